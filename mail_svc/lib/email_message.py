"""Builds the MIME message: a plain-text part and an HTML alternative."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
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
    for name, value in (headers or {}).items():
        message[name] = value
    # Quoted-printable keeps the message 7-bit clean: raw 8-bit bodies (Python's default for
    # non-ASCII text) are garbled by relays and catchers that lack 8BITMIME handling.
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message
