"""The MIME message carries both parts, the configured sender and a per-event Message-ID."""

from __future__ import annotations

from uuid import uuid4

import pytest

from mail_svc.lib.email_message import RawHeader, build_email_message, message_id_for
from mail_svc.lib.email_rendering import RenderedEmail


def test_message_has_text_and_html_alternatives() -> None:
    event_id = uuid4()
    rendered = RenderedEmail(subject="Hi", html="<p>Hello</p>", text="Hello")
    message = build_email_message(
        rendered, sender="Chat <no-reply@chat.example>", to="ada@example.com", event_id=event_id
    )
    assert message["From"] == "Chat <no-reply@chat.example>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Hi"
    assert message["Message-ID"] == f"<{event_id}@chat.example>"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and plain.get_content().strip() == "Hello"
    assert html is not None and html.get_content().strip() == "<p>Hello</p>"


def test_message_id_falls_back_when_sender_has_no_domain() -> None:
    event_id = uuid4()
    assert message_id_for(event_id, "no-reply") == f"<{event_id}@localhost>"


def test_every_part_travels_7_bit_clean_with_its_charset() -> None:
    rendered = RenderedEmail(subject="Hi", html="<p>— Ünïcode</p>", text="— Ünïcode")
    message = build_email_message(
        rendered, sender="Chat <no-reply@chat.test>", to="ada@example.com", event_id=uuid4()
    )
    raw = message.as_bytes()
    assert raw.isascii()
    for part in message.iter_parts():
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
        assert "— Ünïcode" in part.get_content()


@pytest.mark.parametrize(
    "value", ["<https://x.test/u>\r\nBcc: victim@example.com", "<https://x.test/ü>", "x" * 1000]
)
def test_a_raw_header_refuses_what_cannot_be_sent_as_is(value: str) -> None:
    with pytest.raises(ValueError, match="cannot be sent raw"):
        RawHeader("List-Unsubscribe", value)
