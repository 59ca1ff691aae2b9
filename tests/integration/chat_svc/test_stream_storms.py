"""Streams opening and closing by the hundred at once (issue 28, storms of streams): the
database sees a bounded, batched amount of work, not a command per stream, and posts go on.

Commands are counted by pymongo's command monitoring (tests/support/database_commands.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis

from chat_svc.models.memberships import Membership
from chat_svc.models.messages import GENERAL
from chat_svc.reads.person_rooms import person_key
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.test_streams import (
    Events,
    next_event,
    open_stream,
    post,
    signed_in_client,
)
from tests.support.consumers_settled import wait_until_consumers_settled
from tests.support.database_commands import CommandCounter, database_commands
from tests.support.servers import RedisServer

STREAMS = 40


@pytest.fixture
def commands() -> Iterator[CommandCounter]:
    with database_commands() as counter:
        yield counter


async def _first_message(events: Events) -> int:
    event = await next_event(events)
    assert event is not None and event.event == "message", event
    return int(event.id)


async def _connections_received(valkey: Redis) -> int:
    return int((await valkey.info("stats"))["total_connections_received"])


async def test_a_storm_of_streams_costs_the_database_a_bounded_batched_amount(
    make_chat_app: AppFactory, fake_auth: FakeAuth, commands: CommandCounter, redis_url: str
) -> None:
    people: list[FakeSession] = [fake_auth.sign_in(f"P{n}") for n in range(STREAMS)]
    poster = fake_auth.sign_in("Poster")
    # Read positions are written once per pass: a loaded machine spreads the closings over
    # a few seconds, so passes of 2 s keep the count of batches small whatever the load.
    settings = {"streams_per_address": 10 * STREAMS, "read_position_pass_seconds": 2.0}
    # Everyone has been here before (written, a member of general) on another replica.
    async with serve(make_chat_app(**settings)) as earlier:
        for person in people:
            async with signed_in_client(earlier, person) as client:
                assert (await client.get("/rooms/general")).status_code == 200
        async with signed_in_client(earlier, poster) as client:
            await post(client, "before the deploy")

    # A replica that just started: every client reconnects to it at once.
    async with serve(make_chat_app(**settings)) as base, AsyncExitStack() as streams:
        valkey = Redis.from_url(redis_url)
        streams.push_async_callback(valkey.aclose)
        connections_before = await _connections_received(valkey)
        commands.armed = True
        opened = await asyncio.gather(
            *(streams.enter_async_context(open_stream(base, p.token, "?after=0")) for p in people)
        )
        assert all(response.status_code == 200 for response, _ in opened)
        # What the streams ask Valkey as they open leaves in a few pipelines on one connection
        # (stream_storms/coalesced_commands.py), not a connection per stream from the pool
        # (1,000 at once ran its 64 dry: the losers read the database or answered 503).
        opened_meanwhile = await _connections_received(valkey) - connections_before
        assert opened_meanwhile <= STREAMS // 8, opened_meanwhile
        async with signed_in_client(base, poster) as client:
            await post(client, "during the storm")  # a post answers meanwhile (303)
        newest = await asyncio.gather(*(_last_of_two(events) for _, events in opened))
        await streams.aclose()  # every stream ends at once
        async with signed_in_client(base, poster) as client:
            await post(client, "after the storm")
    # The replica stopped (its last batch written at shutdown, counted too).
    commands.armed = False
    async with make_chat_app().test_app():
        stored = await Membership.find(Membership.room == GENERAL).to_list()

    read = {m.user_id: m.last_read_message_id for m in stored}
    assert set(newest) == {2}
    assert all(read[p.user_id] == 2 for p in people), "every stream's read position stored"
    # No write of a known person; read positions in a few batches (the old code: one write
    # per stream, and three per person on a new replica); fewer commands than streams.
    assert commands.sent[("update", "users")] == 0, commands.sent
    assert commands.sent[("update", "memberships")] <= STREAMS // 5, commands.sent
    assert sum(commands.sent.values()) < STREAMS, commands.sent


async def _last_of_two(events: Events) -> int:
    await _first_message(events)
    return await _first_message(events)


async def test_streams_opening_while_valkey_is_unavailable_read_no_messages_per_stream(
    make_chat_app: AppFactory,
    fake_auth: FakeAuth,
    redis_server: RedisServer,
    commands: CommandCounter,
) -> None:
    # In a storm Valkey's pool runs dry too (1,000 streams opened at once, bench): each
    # stream then counted its person's unread messages in the store, a scan each on FerretDB.
    people = [fake_auth.sign_in(f"Q{n}") for n in range(5)]
    async with serve(make_chat_app()) as base:
        for person in people:
            async with signed_in_client(base, person) as client:
                await post(client, "hello")  # members of general, with history
        # The posts' own work (push recipients read memberships) is done before counting.
        assert fake_auth.js is not None
        await wait_until_consumers_settled(fake_auth.js, "CHAT_EVENTS")
        redis_server.stop()
        try:
            commands.armed = True
            async with AsyncExitStack() as streams:
                opened = await asyncio.gather(
                    *(streams.enter_async_context(open_stream(base, p.token)) for p in people)
                )
            commands.armed = False
        finally:
            redis_server.start()
    assert all(response.status_code == 200 for response, _ in opened)
    # Messages are read once for the room (its newest id, live/subscriptions.py), not per
    # stream (12 finds for these 5 streams on the old code); memberships once per stream.
    assert commands.sent[("find", "messages")] <= 2, commands.sent
    assert commands.sent[("aggregate", "messages")] == 0, commands.sent
    assert commands.sent[("find", "memberships")] <= len(people), commands.sent


async def test_a_read_position_valkey_could_not_take_reaches_the_copy_once_it_can(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_server: RedisServer, redis_url: str
) -> None:
    # 1,000 streams ending at once ran Valkey's pool dry (bench): the store got each
    # position, each person's copy (what the sidebar reads) kept the old one.
    ada, poster = fake_auth.sign_in("Ada"), fake_auth.sign_in("Poster")
    settings = {"read_position_pass_seconds": 0.1}
    async with serve(make_chat_app(**settings)) as base:
        async with signed_in_client(base, poster) as client:
            await post(client, "read me")
        async with signed_in_client(base, ada) as client:
            await client.get("/rooms/general")  # a member, read up to the message
        async with signed_in_client(base, poster) as client:
            await post(client, "and me")
        async with open_stream(base, ada.token, "?after=1") as (_, events):
            assert await _first_message(events) == 2
            redis_server.stop()  # the stream ends while Valkey cannot answer
        await asyncio.sleep(0.5)
        redis_server.start()
        valkey = Redis.from_url(redis_url)
        try:
            async with asyncio.timeout(10):
                while await valkey.hget(person_key(ada.user_id), "r:general") != b"2":
                    await asyncio.sleep(0.1)
        finally:
            await valkey.aclose()
