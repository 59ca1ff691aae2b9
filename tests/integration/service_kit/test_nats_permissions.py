"""NATS as every stack runs it (nats/accounts.conf): no anonymous clients, and each service
may publish and subscribe only to its own subjects, so no one can forge an auth event or
read another service's messages."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoServersError
from nats.js.errors import APIError

import nats
from chat_svc.events import MessageChanged, PersonTyping
from service_kit.events import PasswordResetRequested, SessionRevoked
from service_kit.jetstream import ensure_consumer, ensure_streams, load_topology, publish_event
from service_kit.nats_credentials import SERVICE_USERS, client_options, dev_nats_password


async def connect_as(url: str, user: str) -> NATS:
    errors: list[Exception] = []

    async def remember(error: Exception) -> None:
        errors.append(error)

    nc = await nats.connect(
        url,
        allow_reconnect=False,
        error_cb=remember,
        **client_options(user, dev_nats_password(user)),
    )
    nc.permission_errors = errors  # type: ignore[attr-defined]
    return nc


async def refused(nc: NATS) -> bool:
    """A permissions violation reaches the client asynchronously; wait for it briefly."""
    await nc.flush()
    for _ in range(50):
        if any("permissions violation" in str(e).lower() for e in nc.permission_errors):  # type: ignore[attr-defined]
            return True
        await asyncio.sleep(0.02)
    return False


async def test_anonymous_and_wrong_password_clients_are_refused(nats_url: str) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(nats_url, allow_reconnect=False, max_reconnect_attempts=0)
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(
            nats_url, user="mail", password="guess", allow_reconnect=False, max_reconnect_attempts=0
        )


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("chat", PasswordResetRequested.SUBJECT),
        ("mail", PasswordResetRequested.SUBJECT),
        # A dead letter is replayed to its original subject: chat may only file its own.
        ("chat", f"dead_letter.{PasswordResetRequested.SUBJECT}"),
        ("mail", "dead_letter.chat.message.posted"),
    ],
)
async def test_only_auth_may_publish_auth_events(
    nats_url: str, nats_client: NATS, user: str, subject: str
) -> None:
    nc = await connect_as(nats_url, user)
    try:
        await nc.publish(subject, b"{}")
        assert await refused(nc)
    finally:
        await nc.close()


@pytest.mark.parametrize(
    ("user", "subject"),
    [("chat", "auth.>"), ("chat", PasswordResetRequested.SUBJECT), ("mail", "auth.>"),
     ("auth", "chat.>"), ("chat", "_INBOX.>"), ("mail", "_INBOX_auth.>")],
)  # fmt: skip
async def test_services_cannot_listen_beyond_their_subjects(
    nats_url: str, nats_client: NATS, user: str, subject: str
) -> None:
    nc = await connect_as(nats_url, user)
    try:
        await nc.subscribe(subject)
        assert await refused(nc), f"{user} may subscribe to {subject}"
    finally:
        await nc.close()


async def test_chat_hears_what_it_needs_and_cannot_read_the_auth_stream(
    nats_url: str, nats_client: NATS
) -> None:
    admin = nats_client.jetstream()
    await ensure_streams(admin, load_topology())
    await publish_event(admin, SessionRevoked(user_id="u-1", session_id="s-1"))
    nc = await connect_as(nats_url, "chat")
    try:
        await nc.subscribe(SessionRevoked.SUBJECT)
        # A room's edits and typing signals, heard like its posts.
        await nc.subscribe(MessageChanged.subject_for("general"))
        await nc.subscribe(PersonTyping.subject_for("general"))
        assert not await refused(nc)
        js = nc.jetstream()
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await js.get_msg("AUTH_EVENTS", 1)
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await js.pull_subscribe("auth.>", durable="snoop", stream="AUTH_EVENTS")
    finally:
        await nc.close()


def test_every_service_has_a_user() -> None:
    assert set(SERVICE_USERS) == {"auth", "chat", "mail"}


async def test_mail_reads_mention_requests_only_through_its_own_durable(
    nats_url: str, nats_client: NATS
) -> None:
    """mail_svc consumes CHAT_EVENTS (mention e-mails), which also carries every message:
    it may bind its own filtered durable, nothing that reads the rest."""
    admin = nats_client.jetstream()
    topology = load_topology()
    await ensure_streams(admin, topology)
    mail, chat = await connect_as(nats_url, "mail"), await connect_as(nats_url, "chat")
    try:
        mail_js = mail.jetstream()
        durable = await ensure_consumer(mail_js, topology, "mail_svc_mentions")
        await mail_js.pull_subscribe_bind("mail_svc_mentions", durable)
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await mail_js.get_msg("CHAT_EVENTS", 1)
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await mail_js.pull_subscribe("chat.>", durable="snoop", stream="CHAT_EVENTS")
        # Nor may chat pull mail's durable (it would take the e-mails' events away).
        await admin.publish("chat.mention_digest.requested", b"{}")
        subscription = await chat.jetstream().pull_subscribe_bind("mail_svc_mentions", durable)
        with pytest.raises(nats.errors.TimeoutError):
            await subscription.fetch(1, timeout=1)
        assert await refused(chat)
    finally:
        await mail.close()
        await chat.close()
