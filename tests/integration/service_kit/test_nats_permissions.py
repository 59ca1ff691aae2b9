"""NATS as every stack runs it (nats/accounts.conf): no anonymous clients, and each service
may publish and subscribe only to its own subjects, so no one can forge an auth event or
read another service's messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoServersError
from nats.js.errors import APIError

import nats
from chat_svc.events import MessageChanged, PersonTyping
from chat_svc.member_lines.line_events import MemberLineWritten
from service_kit.events import PasswordResetRequested, SessionRevoked
from service_kit.messaging.durable_guard import durable_differences, verify_durables
from service_kit.messaging.jetstream import ensure_streams, load_topology, publish_event
from service_kit.messaging.nats_credentials import SERVICE_USERS, client_options, dev_nats_password
from service_kit.messaging.stream_guard import verify_streams

TOPOLOGY = load_topology()
STREAMS = [str(stream.name) for stream in TOPOLOGY.streams]
# The durables each service binds (declared by the set-up step, never by the service).
OWN_DURABLES = {"auth": [], "chat": ["chat_svc_users"], "mail": ["mail_svc", "mail_svc_mentions"]}


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
        await nc.subscribe(MemberLineWritten.SUBJECT)  # "Ada added Grace" (member_lines/)
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
    mail, chat = await connect_as(nats_url, "mail"), await connect_as(nats_url, "chat")
    try:
        mail_js = mail.jetstream()
        await mail_js.pull_subscribe_bind("mail_svc_mentions", "CHAT_EVENTS")
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await mail_js.get_msg("CHAT_EVENTS", 1)
        with pytest.raises((APIError, nats.errors.TimeoutError)):
            await mail_js.pull_subscribe("chat.>", durable="snoop", stream="CHAT_EVENTS")
        # Nor may chat pull mail's durable (it would take the e-mails' events away).
        await admin.publish("chat.mention_digest.requested", b"{}")
        subscription = await chat.jetstream().pull_subscribe_bind(
            "mail_svc_mentions", "CHAT_EVENTS"
        )
        with pytest.raises(nats.errors.TimeoutError):
            await subscription.fetch(1, timeout=1)
        assert await refused(chat)
    finally:
        await mail.close()
        await chat.close()


# Streams: only the set-up step declares them. Each call below is one the red team made with
# a service's credentials (issue 29): republish copied auth events into chat's inbox space,
# sources with a subject transform let chat forge auth events, and a new stream sourcing
# AUTH_EVENTS replayed the stored ones.
LEAK = {"src": "auth.>", "dest": "_INBOX_chat.leak.>"}
FORGE = {"name": "CHAT_EVENTS", "subject_transforms": [{"src": "chat.forge.>", "dest": "auth.>"}]}


async def api_call(nc: NATS, subject: str, body: dict[str, Any] | None = None) -> Any:
    """A raw JetStream API request, as an attacker would send it; None when unanswered
    (a refused publish gets no reply)."""
    try:
        reply = await nc.request(subject, json.dumps(body or {}).encode(), timeout=0.5)
    except nats.errors.TimeoutError:
        return None
    return json.loads(reply.data)


async def assert_all_refused(nc: NATS, user: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    for subject, body in calls:
        answer = await api_call(nc, subject, body)
        assert answer is None, f"{user} got an answer to {subject}: {answer}"
        assert await refused(nc), f"{user} may call {subject}"
        nc.permission_errors.clear()  # type: ignore[attr-defined]


async def stream_config(admin: NATS, stream: str) -> dict[str, Any]:
    info = await api_call(admin, f"$JS.API.STREAM.INFO.{stream}")
    assert info is not None and "config" in info, info
    config: dict[str, Any] = info["config"]
    return config


def tampered_calls(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The stream calls no service may make, built on AUTH_EVENTS' real config."""
    return [
        ("$JS.API.STREAM.UPDATE.AUTH_EVENTS", config | {"republish": LEAK}),
        ("$JS.API.STREAM.UPDATE.AUTH_EVENTS", config | {"sources": [FORGE]}),
        (
            "$JS.API.STREAM.CREATE.AUTH_COPY",
            {"name": "AUTH_COPY", "sources": [{"name": "AUTH_EVENTS"}], "storage": "file"},
        ),
        ("$JS.API.STREAM.CREATE.LEAK", {"name": "LEAK", "subjects": ["leak.>"]}),
        ("$JS.API.STREAM.DELETE.CHAT_EVENTS", {}),
        ("$JS.API.STREAM.PURGE.AUTH_EVENTS", {}),
    ]


@pytest.mark.parametrize("user", SERVICE_USERS)
async def test_no_service_may_create_update_or_delete_streams(
    nats_url: str, nats_client: NATS, user: str
) -> None:
    admin_js = nats_client.jetstream()
    await publish_event(admin_js, SessionRevoked(user_id="u-1", session_id="s-1"))
    before = {name: await stream_config(nats_client, name) for name in STREAMS}
    nc = await connect_as(nats_url, user)
    try:
        await assert_all_refused(nc, user, tampered_calls(before["AUTH_EVENTS"]))
    finally:
        await nc.close()
    after = {name: await stream_config(nats_client, name) for name in STREAMS}
    assert after == before
    names = await api_call(nats_client, "$JS.API.STREAM.NAMES")
    assert sorted(names["streams"]) == sorted(STREAMS)
    assert (await admin_js.stream_info("AUTH_EVENTS")).state.messages == 1


@pytest.mark.parametrize(
    ("user", "stream", "durable"),
    [
        ("auth", "CHAT_EVENTS", "snoop"),
        ("auth", "AUTH_EVENTS", "chat_svc_users"),  # another service's durable
        ("chat", "AUTH_EVENTS", "mail_svc"),
        ("chat", "CHAT_EVENTS", "mail_svc_mentions"),
        ("mail", "AUTH_EVENTS", "chat_svc_users"),
        ("mail", "CHAT_EVENTS", "snoop"),
    ],
)
async def test_services_cannot_make_or_remove_consumers_but_their_own(
    nats_url: str, nats_client: NATS, user: str, stream: str, durable: str
) -> None:
    config = {"durable_name": durable, "ack_policy": "explicit", "filter_subject": "auth.>"}
    calls: list[tuple[str, dict[str, Any]]] = [
        (f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}", {"config": config}),
        (f"$JS.API.CONSUMER.CREATE.{stream}.{durable}", {"config": config}),
        (f"$JS.API.CONSUMER.CREATE.{stream}", {"config": config | {"durable_name": None}}),
        (f"$JS.API.CONSUMER.DELETE.{stream}.{durable}", {}),
    ]
    nc = await connect_as(nats_url, user)
    try:
        await assert_all_refused(nc, user, calls)
    finally:
        await nc.close()
    assert await consumer_names(nats_client, stream) == declared_durables(stream)


def declared_durables(stream: str) -> list[str]:
    return sorted(name for name, (on, _) in TOPOLOGY.consumers.items() if on == stream)


async def consumer_names(admin: NATS, stream: str) -> list[str]:
    answer = await api_call(admin, f"$JS.API.CONSUMER.NAMES.{stream}")
    return sorted(answer["consumers"] or [])


# A service's own durables: a broader filter would hand it every event on the stream
# (chat's users durable on auth.> reads every e-mail, address and user agent), so the
# set-up step declares them and a service may only bind, pull and ack.
BROADER = {"AUTH_EVENTS": "auth.>", "CHAT_EVENTS": "chat.>"}


@pytest.mark.parametrize(
    ("user", "durable"),
    [(user, durable) for user, durables in OWN_DURABLES.items() for durable in durables],
)
async def test_no_service_may_create_or_reshape_its_own_durable(
    nats_url: str, nats_client: NATS, user: str, durable: str
) -> None:
    stream, declared = TOPOLOGY.consumers[durable]
    broader = BROADER[stream]
    reshaped = declared.as_dict() | {"filter_subjects": None, "filter_subject": broader}

    def request(config: dict[str, Any]) -> dict[str, Any]:
        return {"stream_name": stream, "config": config}

    calls: list[tuple[str, dict[str, Any]]] = [
        # Update in place, in each API form NATS knows.
        (f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}", request(reshaped)),
        (f"$JS.API.CONSUMER.CREATE.{stream}.{durable}", request(reshaped | {"name": durable})),
        (
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{broader}",
            request(reshaped | {"name": durable}),
        ),
        # Any other consumer, durable or not.
        (
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}_2",
            request(reshaped | {"durable_name": f"{durable}_2"}),
        ),
        (f"$JS.API.CONSUMER.CREATE.{stream}", request(reshaped | {"durable_name": None})),
        (f"$JS.API.CONSUMER.DELETE.{stream}.{durable}", {}),
    ]
    nc = await connect_as(nats_url, user)
    try:
        await assert_all_refused(nc, user, calls)
    finally:
        await nc.close()
    found = await nats_client.jetstream().consumer_info(stream, durable)
    assert durable_differences(declared, found.config) == []
    assert await consumer_names(nats_client, stream) == declared_durables(stream)


async def test_each_service_may_still_check_streams_and_pull_and_ack_its_own_durables(
    nats_url: str, nats_client: NATS
) -> None:
    admin = nats_client.jetstream()
    for user, durables in OWN_DURABLES.items():
        nc = await connect_as(nats_url, user)
        try:
            js = nc.jetstream()
            await verify_streams(js, TOPOLOGY, patience=0)
            await verify_durables(js, TOPOLOGY, durables, patience=0)
            for durable in durables:
                stream, declared = TOPOLOGY.consumers[durable]
                await admin.publish((declared.filter_subjects or [])[0], b"{}")
                subscription = await js.pull_subscribe_bind(durable, stream)
                [message] = await subscription.fetch(1, timeout=5)
                await message.ack_sync()
                assert (await admin.consumer_info(stream, durable)).num_ack_pending == 0
            assert not await refused(nc)
        finally:
            await nc.close()
