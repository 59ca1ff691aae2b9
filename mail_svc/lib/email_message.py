"""Builds the MIME message: a plain-text part and an HTML alternative."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime, parseaddr
from uuid import UUID

from mail_svc.lib.email_rendering import RenderedEmail
from service_kit.events import utc_now


def message_id_for(event_id: UUID, sender: str) -> str:
    """Stable per event, so a mail client can spot a copy that slipped through anyway."""
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    if not (at and domain):
        domain = "localhost"
    return f"<{event_id}@{domain}>"


class RawHeader(str):
    """A header value written exactly as given: never RFC 2047-encoded, never folded.

    RFC 2369 and RFC 8058 want ``List-Unsubscribe: <https://...>`` as is; Python's default
    policy encodes any header longer than 78 characters, and mail clients do not decode a
    URI there. ``email.policy`` keeps a value that has a ``name`` and folds it itself.
    """

    name: str

    def __new__(cls, name: str, value: str) -> RawHeader:
        line = f"{name}: {value}"
        if not (line.isascii() and line.isprintable()) or len(line) > MAX_LINE_LENGTH:
            raise ValueError(f"{name} cannot be sent raw: {value!r}")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


MAX_LINE_LENGTH = 998  # RFC 5322's limit on any line


def build_email_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: str,
    event_id: UUID,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = message_id_for(event_id, sender)
    for name, value in (headers or {}).items():  # URIs (List-Unsubscribe): written raw
        message[name] = RawHeader(name, value)
    # Quoted-printable keeps the message 7-bit clean: raw 8-bit bodies (Python's default for
    # non-ASCII text) are garbled by relays and catchers that lack 8BITMIME handling.
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message
