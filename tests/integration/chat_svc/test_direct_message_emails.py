"""An unread direct message is e-mailed like a mention (issue 37, item 7): in the same
digest, after the same delay, under the same setting and unsubscribe link."""

from __future__ import annotations

import asyncio

from tests.integration.chat_svc.test_mention_emails import (  # fixture: chat_with_mail
    DELAY,
    Stack,
    chat_with_mail,
    no_mentions_pending,
    text_of,
)
from tests.support.smtp_sink import SmtpSink

__all__ = ["chat_with_mail"]


async def test_an_unread_direct_message_is_mailed_in_the_mention_digest(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    async with chat_with_mail() as (_, ada, bob):
        slug = await ada.open_dm(bob)
        await ada.say(slug, "are you free at three?")
        await ada.say("general", "@Bob and the budget")
        [message] = await smtp_sink.wait_for(1)
        await no_mentions_pending()
        await asyncio.sleep(DELAY + 0.5)

    assert len(smtp_sink.messages) == 1  # one digest for both
    assert message["To"] == bob.session.email
    text = text_of(message)
    assert "are you free at three?" in text and "a direct message" in text
    assert f"/rooms/{slug}#message-1" in text
    assert "and the budget" in text


async def test_no_email_for_a_direct_message_read_in_time_nor_for_ones_own(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    async with chat_with_mail(mention_email_delay_seconds=2.0) as (_, ada, bob):
        slug = await ada.open_dm(bob)
        await ada.say(slug, "lunch?")
        assert (await bob.get(f"/rooms/{slug}"))[0] == 200  # he reads it at once
        await asyncio.sleep(2.5)
        await no_mentions_pending()

    assert smtp_sink.messages == []
