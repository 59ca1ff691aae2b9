"""Mention e-mails end to end: chat_svc decides (real NATS, Valkey, database), mail_svc sends
(real SMTP sink). Delays are shortened to about a second."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from quart.typing import TestAppProtocol as ChatTestApp

from chat_svc.models.digest_records import select_unpublished_digests
from chat_svc.models.notification_settings import select_mention_emails_on
from chat_svc.models.pending_mentions import select_pending_mentions
from mail_svc.app import create_app as create_mail_app
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.mail_svc.helpers import mail_settings, wait_until_ready
from tests.support.database_commands import database_commands
from tests.support.smtp_sink import SmtpSink

DELAY = 1.0
CHECKED = '<input checked id="mention_emails" name="mention_emails" type="checkbox"'
UNCHECKED = '<input id="mention_emails" name="mention_emails" type="checkbox"'
FAST = {
    "mention_email_delay_seconds": DELAY,
    "mention_email_min_interval_seconds": 0.0,
    "mention_email_scan_seconds": 0.1,
}


@asynccontextmanager
async def mail_running(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink
) -> AsyncIterator[None]:
    async with create_mail_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as mail:
        await wait_until_ready(mail.test_client())
        yield


async def no_mentions_pending(timeout: float = 10.0) -> None:
    """Wait until the scan has dealt with every pending mention (mailed or dropped)."""
    async with asyncio.timeout(timeout):
        while await select_pending_mentions() or await select_unpublished_digests():
            await asyncio.sleep(0.05)


async def people(test_app: ChatTestApp, fake_auth: FakeAuth) -> tuple[Person, Person]:
    ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
    await bob.csrf()  # chat knows Bob (a member of general) from his first request
    return ada, bob


Stack = Callable[..., AbstractAsyncContextManager[tuple[ChatTestApp, Person, Person]]]


@pytest.fixture
def chat_with_mail(
    make_chat_app: AppFactory,
    fake_auth: FakeAuth,
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
) -> Stack:
    """mail_svc and chat_svc running (chat with ``FAST`` plus the given settings), and Ada
    and Bob signed in to chat."""

    @asynccontextmanager
    async def running(**settings: Any) -> AsyncIterator[tuple[ChatTestApp, Person, Person]]:
        async with (
            mail_running(infrastructure_env, smtp_sink),
            make_chat_app(**FAST | settings).test_app() as test_app,
        ):
            ada, bob = await people(test_app, fake_auth)
            yield test_app, ada, bob

    return running


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return urlsplit(header[1:-1]).path


async def test_one_email_lists_the_unread_mentions_of_a_person_who_stayed_away(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    with database_commands() as counter:
        async with chat_with_mail() as (_, ada, bob):
            counter.armed = True
            await ada.say("general", "@Bob can you review the draft?")
            await ada.say("general", "nothing for anyone")
            await ada.say("general", "and @bob, the budget too")
            await ada.say("general", "@Ada notes to self")  # the author is never mailed
            [message] = await smtp_sink.wait_for(1)
            await no_mentions_pending()
            # Scans keep running with no interval between e-mails: still nothing more.
            await asyncio.sleep(DELAY + 0.5)

    # The people mailed come from the directory's cards: on FerretDB a users read scans.
    assert not [f for c, f in counter.find_filters if c == "users" and set(f) == {"user_id"}]
    assert len(smtp_sink.messages) == 1
    assert message["To"] == bob.session.email
    assert message["Subject"] == "Ada mentioned you in general"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(message).startswith("/unsubscribe/mentions/")
    text = text_of(message)
    assert "2 mentions of you are still unread" in text
    assert "can you review the draft?" in text and "the budget too" in text
    assert "nothing for anyone" not in text
    assert "http://127.0.0.1:8002/rooms/general#message-1" in text
    assert "http://127.0.0.1:8002/rooms/general#message-3" in text


async def test_no_email_for_a_mention_read_in_time(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    async with chat_with_mail(mention_email_delay_seconds=2.0) as (_, ada, bob):
        await ada.say("general", "@Bob lunch?")
        assert (await bob.get("/rooms/general"))[0] == 200  # he reads it at once
        await asyncio.sleep(2.5)
        await no_mentions_pending()

    assert smtp_sink.messages == []


async def test_restarts_of_chat_and_mail_between_mention_and_email_still_mail_once(
    make_chat_app: AppFactory,
    fake_auth: FakeAuth,
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
) -> None:
    settings = FAST | {"mention_email_delay_seconds": 2.0}
    async with mail_running(infrastructure_env, smtp_sink):
        pass  # mail_svc has run once (its durables exist), then stops
    async with make_chat_app(**settings).test_app() as first_chat:
        ada, _ = await people(first_chat, fake_auth)
        await ada.say("general", "@Bob before the restart")
    # chat_svc is down through the delay; a new process takes over and publishes the
    # digest while mail_svc is still down; mail_svc sends it when it is back.
    await asyncio.sleep(2.2)
    async with make_chat_app(**settings).test_app():
        await no_mentions_pending()
    assert smtp_sink.messages == []
    async with mail_running(infrastructure_env, smtp_sink):
        await smtp_sink.wait_for(1)
        await asyncio.sleep(0.5)

    assert len(smtp_sink.messages) == 1
    assert "before the restart" in text_of(smtp_sink.messages[0])


async def test_a_digest_published_twice_after_a_crash_is_mailed_once(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    """A scan that dies after publishing but before recording it: the next scan publishes
    the stored digest again, with the same event id, and mail_svc drops the copy."""
    from chat_svc.models.digest_records import MentionDigest
    from chat_svc.runtime import runtime_of

    async with chat_with_mail() as (test_app, ada, _):
        await ada.say("general", "@Bob once only")
        await smtp_sink.wait_for(1)
        [digest] = await MentionDigest.find_all().to_list()
        await MentionDigest.get_pymongo_collection().update_one(
            {"_id": digest.id}, {"$set": {"published": False}}
        )
        await runtime_of(test_app.app).mention_digests.scan_once(digest.created_at)  # type: ignore[attr-defined]
        await no_mentions_pending()
        await asyncio.sleep(1.0)

    assert len(smtp_sink.messages) == 1


async def test_a_throttled_person_gets_the_next_email_only_after_the_interval(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    async with chat_with_mail(mention_email_min_interval_seconds=3.0) as (_, ada, _):
        await ada.say("general", "@Bob first")
        await smtp_sink.wait_for(1)
        await ada.say("general", "@Bob second")
        await asyncio.sleep(DELAY + 0.5)
        held_back = len(smtp_sink.messages)
        await smtp_sink.wait_for(2)
        await no_mentions_pending()

    assert held_back == 1
    assert len(smtp_sink.messages) == 2
    assert "second" in text_of(smtp_sink.messages[1])
    assert "first" not in text_of(smtp_sink.messages[1])


async def test_an_edit_mails_only_people_it_newly_mentions(
    chat_with_mail: Stack, smtp_sink: SmtpSink, fake_auth: FakeAuth
) -> None:
    async with chat_with_mail() as (test_app, ada, bob):
        cy = sign_in(test_app, fake_auth, "Cy")
        await cy.csrf()
        await ada.say("general", "@Bob the plan")
        [to_bob] = await smtp_sink.wait_for(1)
        await no_mentions_pending()
        # Bob was mailed about this message already; only Cy is new.
        status, _, _ = await ada.post(
            "/rooms/general/messages/1/edit", body="@Bob and @Cy the plan"
        )
        assert status == 303
        [_, to_cy] = await smtp_sink.wait_for(2)
        await no_mentions_pending()
        await asyncio.sleep(DELAY + 0.5)

    assert len(smtp_sink.messages) == 2
    assert to_bob["To"] == bob.session.email
    assert to_cy["To"] == cy.session.email
    assert "the plan" in text_of(to_cy)


async def test_a_mention_edited_away_is_not_mailed(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    # Issue 29 item 8: an edit only ever added pending mentions.
    async with chat_with_mail(mention_email_delay_seconds=2.0) as (_, ada, _bob):
        await ada.say("general", "@Bob retracted")
        status, _, _ = await ada.post("/rooms/general/messages/1/edit", body="retracted, no one")
        assert status == 303
        assert await select_pending_mentions() == []
        await asyncio.sleep(2.5)  # past the delay: the scan would have mailed it by now
        await no_mentions_pending()

    assert smtp_sink.messages == []


async def test_the_unsubscribe_link_works_without_signing_in_and_a_tampered_one_changes_nothing(
    chat_with_mail: Stack, smtp_sink: SmtpSink
) -> None:
    async with chat_with_mail() as (test_app, ada, bob):
        await ada.say("general", "@Bob hello")
        [message] = await smtp_sink.wait_for(1)
        path = unsubscribe_path(message)
        token = path.rsplit("/", 1)[1]
        flipped = "A" if token[-2] != "A" else "B"
        tampered = f"{path[: -len(token)]}{token[:-2]}{flipped}{token[-1]}"
        stranger = test_app.test_client()  # no cookies at all

        tampered_get = await stranger.get(tampered)
        tampered_post = await stranger.post(tampered, data="List-Unsubscribe=One-Click")
        still_on = await select_mention_emails_on(bob.user_id)

        page = await stranger.get(path)
        still_on_after_get = await select_mention_emails_on(bob.user_id)
        # What a mail client sends (RFC 8058): no cookie, no CSRF token, its own Origin.
        one_click = await stranger.post(
            path,
            data="List-Unsubscribe=One-Click",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "https://mail.example.net",
            },
        )
        off = not await select_mention_emails_on(bob.user_id)
        # Nothing else accepts a foreign Origin.
        foreign = await bob.client.post(
            "/settings/notifications",
            form={"csrf_token": await bob.csrf(), "mention_emails": "y"},
            headers={"Origin": "https://mail.example.net"},
        )
        await ada.say("general", "@Bob are you there?")
        await asyncio.sleep(DELAY + 0.5)
        await no_mentions_pending()

    assert tampered_get.status_code == 400 and tampered_post.status_code == 400
    assert "This link is not valid; nothing changed." in await tampered_post.get_data(as_text=True)
    assert still_on and still_on_after_get
    assert page.status_code == 200
    page_html = await page.get_data(as_text=True)
    assert '<form method="post"' in page_html and "csrf_token" not in page_html
    assert one_click.status_code == 200
    assert "no more e-mails about mentions" in await one_click.get_data(as_text=True)
    assert off
    assert foreign.status_code == 403
    assert len(smtp_sink.messages) == 1  # nothing mailed once turned off


async def test_the_settings_page_turns_mention_emails_off_and_on(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        _, bob = await people(test_app, fake_auth)
        status, first = await bob.get("/settings/notifications")
        turned_off = await bob.post("/settings/notifications")  # an unticked box sends nothing
        _, off_page = await bob.get("/settings/notifications?saved=1")
        off = await select_mention_emails_on(bob.user_id)
        turned_on = await bob.post("/settings/notifications", mention_emails="y")
        on = await select_mention_emails_on(bob.user_id)
        expired = await bob.client.post("/settings/notifications", form={"mention_emails": "y"})
        stranger = await test_app.test_client().get("/settings/notifications")
        _, sidebar_page = await bob.get("/rooms/general")

    assert status == 200 and CHECKED in first
    assert turned_off[0] == 303 and turned_off[2] == "/settings/notifications?saved=1"
    assert "mention e-mails are off" in off_page
    assert UNCHECKED in off_page and CHECKED not in off_page
    assert off is False
    assert turned_on[0] == 303 and on is True
    assert expired.status_code == 400
    assert stranger.status_code == 303  # to sign in
    assert 'href="/settings/notifications"' in sidebar_page
