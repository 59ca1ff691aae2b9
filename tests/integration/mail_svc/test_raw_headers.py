"""Headers that carry a URI reach the SMTP server raw, as RFC 2369 and RFC 8058 need them:
``List-Unsubscribe: <https://...>`` on one line, never RFC 2047-encoded or folded (mail
clients do not decode it there, so one-click unsubscribe failed)."""

from __future__ import annotations

import re
from typing import Any

from nats.js import JetStreamContext

from mail_svc.app import create_app
from service_kit.events import MentionDigestRequested
from service_kit.messaging.jetstream import publish_event
from tests.integration.mail_svc.helpers import mail_settings, wait_until_all_settled
from tests.support.smtp_sink import SmtpSink
from tests.unit.mail_svc.sample_events import PUBLIC_URL, sample_events

# As long as the links chat_svc makes (a sealed, signed token): far past 78 characters.
LONG_LINK = f"{PUBLIC_URL}/unsubscribe/mentions/v1.{'Ab3-_x' * 30}"


async def test_every_email_with_list_unsubscribe_carries_it_raw(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    events = [
        event.model_copy(update={"unsubscribe_link": LONG_LINK})
        if isinstance(event, MentionDigestRequested)
        else event
        for event, _links in sample_events()
    ]
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app():
        for event in events:
            await publish_event(jetstream, event)
        await smtp_sink.wait_for(len(events))
        await wait_until_all_settled(jetstream)

    carrying = [raw for raw in smtp_sink.raw_messages if b"list-unsubscribe" in raw.lower()]
    assert len(carrying) == 1  # the mention e-mail; the account e-mails have none
    for raw in carrying:
        headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert f"\r\nList-Unsubscribe: <{LONG_LINK}>\r\n" in headers
        assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in headers
        assert not re.search(r"(?im)^list-unsubscribe[^\r\n]*=\?", headers)
