"""Events published with the shared helpers reach a durable consumer exactly as sent."""

import asyncio
import logging
import time

import pytest
from nats.js import JetStreamContext
from redis.asyncio import Redis

from service_kit.events import Event, UserCreated
from service_kit.messaging.jetstream import (
    DurableConsumer,
    ensure_streams,
    load_topology,
    publish_event,
)
from service_kit.messaging.processed_events import ProcessedEvents


async def collect_from(consumer: DurableConsumer, received: list[Event], count: int) -> None:
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(10):
            while len(received) < count:
                await asyncio.sleep(0.02)
    finally:
        consumer.stop()
        await task


async def test_published_event_reaches_durable_consumer_unchanged(
    jetstream: JetStreamContext,
) -> None:
    topology = load_topology()
    await ensure_streams(jetstream, topology)
    event = UserCreated(user_id="u-1", email="ada@example.com", display_name="Ada")
    assert await publish_event(jetstream, event) is True

    received: list[Event] = []

    async def handle(incoming: Event) -> None:
        received.append(incoming)

    consumer = DurableConsumer(jetstream, topology, "chat_svc_users", handle)
    await collect_from(consumer, received, 1)
    assert received == [event]
    info = await jetstream.consumer_info("AUTH_EVENTS", "chat_svc_users")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_republishing_the_same_event_is_detected_by_the_stream(
    jetstream: JetStreamContext,
) -> None:
    await ensure_streams(jetstream, load_topology())
    event = UserCreated(user_id="u-1", email="ada@example.com", display_name="Ada")
    assert await publish_event(jetstream, event) is True
    assert await publish_event(jetstream, event) is False
    info = await jetstream.stream_info("AUTH_EVENTS")
    assert info.state.messages == 1


async def test_a_redelivered_event_is_recognised_by_the_consumer(
    jetstream: JetStreamContext, redis_client: Redis
) -> None:
    topology = load_topology()
    await ensure_streams(jetstream, topology)
    processed = ProcessedEvents(redis_client, "chat_svc_users")
    event = UserCreated(user_id="u-1", email="ada@example.com", display_name="Ada")
    await publish_event(jetstream, event)
    side_effects: list[str] = []
    attempts = 0

    async def handle(incoming: Event) -> None:
        nonlocal attempts
        attempts += 1
        if not await processed.already_processed(incoming.id):
            side_effects.append(str(incoming.id))
            await processed.mark_processed(incoming.id)
        if attempts == 1:  # crash after the side effect, before the ack
            raise RuntimeError("crashed before ack")

    consumer = DurableConsumer(jetstream, topology, "chat_svc_users", handle, backoff=(0.1,))
    task = asyncio.create_task(consumer.run())
    async with asyncio.timeout(10):
        while attempts < 2:
            await asyncio.sleep(0.02)
    consumer.stop()
    await task
    assert attempts == 2
    assert side_effects == [str(event.id)]
    assert consumer.stats.retried == 1 and consumer.stats.handled == 1


async def test_a_poison_message_is_dead_lettered_and_does_not_block_the_next(
    jetstream: JetStreamContext,
) -> None:
    topology = load_topology()
    await ensure_streams(jetstream, topology)
    await jetstream.publish(UserCreated.SUBJECT, b"{not json", headers={"Nats-Msg-Id": "bad-1"})
    good = UserCreated(user_id="u-2", email="bob@example.com", display_name="Bob")
    await publish_event(jetstream, good)
    received: list[Event] = []

    async def handle(incoming: Event) -> None:
        received.append(incoming)

    consumer = DurableConsumer(jetstream, topology, "chat_svc_users", handle)
    await collect_from(consumer, received, 1)
    assert received == [good]
    assert consumer.stats.dead_lettered == 1
    dead = await jetstream.get_last_msg("DEAD_LETTERS", f"dead_letter.{UserCreated.SUBJECT}")
    assert dead.data == b"{not json"
    assert dead.headers is not None and dead.headers["Dead-Letter-Reason"].startswith("malformed")


async def test_waiting_for_events_on_a_busy_event_loop_is_not_a_failed_fetch(
    jetstream: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    """On a loop kept busy in 20 ms stretches (a replica writing to its streams), nats-py
    ends most empty fetches with a bare TimeoutError: nothing came, which is not a failure
    to log, nor a reason to pause the consumer."""
    topology = load_topology()
    await ensure_streams(jetstream, topology)
    received: list[Event] = []

    async def handle(incoming: Event) -> None:
        received.append(incoming)

    def hold_the_loop() -> None:
        time.sleep(0.02)  # blocking on purpose: the loop does nothing else meanwhile

    async def keep_the_loop_busy() -> None:
        while True:
            hold_the_loop()
            await asyncio.sleep(0)

    consumer = DurableConsumer(jetstream, topology, "chat_svc_users", handle)
    busy = asyncio.create_task(keep_the_loop_busy())
    try:
        with caplog.at_level(logging.WARNING, logger="service_kit.messaging"):
            task = asyncio.create_task(consumer.run())
            await asyncio.sleep(4)  # several empty fetches of a second each
            event = UserCreated(user_id="u-3", email="cy@example.com", display_name="Cy")
            await publish_event(jetstream, event)
            async with asyncio.timeout(10):
                while not received:
                    await asyncio.sleep(0.02)
            consumer.stop()
            await task
    finally:
        busy.cancel()
    assert received == [event]
    assert [r.getMessage() for r in caplog.records if "fetch failed" in r.getMessage()] == []


async def test_declaring_the_topology_twice_changes_nothing(jetstream: JetStreamContext) -> None:
    topology = load_topology()
    await ensure_streams(jetstream, topology)
    await ensure_streams(jetstream, topology)
    names = sorted(str(s.config.name) for s in await jetstream.streams_info())
    assert names == ["AUTH_EVENTS", "CHAT_EVENTS", "DEAD_LETTERS"]
