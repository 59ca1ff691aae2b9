"""PostsInFlight: live copies wait for this replica's publishes, but never past the hold."""

from __future__ import annotations

import asyncio

from chat_svc.live.posts_in_flight import PostsInFlight


async def test_nothing_waits_when_no_publish_is_in_flight() -> None:
    in_flight = PostsInFlight(hold_seconds=60)
    assert not in_flight.busy
    await asyncio.wait_for(in_flight.settled(), 1)


async def test_a_copy_waits_until_the_last_publish_has_its_ack() -> None:
    in_flight = PostsInFlight(hold_seconds=60)
    with in_flight.publishing():
        with in_flight.publishing():
            waiting = asyncio.create_task(in_flight.settled())
            await asyncio.sleep(0.05)
            assert in_flight.busy and not waiting.done()
        await asyncio.sleep(0.05)
        assert not waiting.done()  # one publish still waits for its ack
    await asyncio.wait_for(waiting, 1)
    assert not in_flight.busy


async def test_a_slow_ack_holds_a_copy_no_longer_than_the_hold() -> None:
    in_flight = PostsInFlight(hold_seconds=0.05)
    with in_flight.publishing():
        await asyncio.wait_for(in_flight.settled(), 5)
        assert in_flight.busy


async def test_a_failed_publish_releases_the_copies() -> None:
    in_flight = PostsInFlight(hold_seconds=60)
    waiting: asyncio.Task[None] | None = None
    try:
        with in_flight.publishing():
            waiting = asyncio.create_task(in_flight.settled())
            await asyncio.sleep(0)
            raise ConnectionError("no ack")
    except ConnectionError:
        pass
    assert waiting is not None
    await asyncio.wait_for(waiting, 1)


async def test_a_copy_does_not_wait_for_publishes_begun_after_it_arrived() -> None:
    in_flight = PostsInFlight(hold_seconds=60)
    with in_flight.publishing():
        waiting = asyncio.create_task(in_flight.settled())
        await asyncio.sleep(0)
        # Still in flight: the first publish, which the copy waits for.
        await asyncio.sleep(0.02)
        assert not waiting.done()
        second = in_flight.publishing()  # the next post, begun after the copy arrived
        second.__enter__()
    # The first has its ack: the copy goes, though a later publish is still in flight.
    await asyncio.wait_for(waiting, 1)
    assert in_flight.busy
    second.__exit__(None, None, None)


async def test_the_hold_counts_from_when_the_publish_began() -> None:
    in_flight = PostsInFlight(hold_seconds=0.2)
    loop = asyncio.get_running_loop()
    with in_flight.publishing():
        await asyncio.sleep(0.15)
        began = loop.time()
        await asyncio.wait_for(in_flight.settled(), 5)
        # Waited what was left of the publish's hold, not a whole new one.
        assert loop.time() - began < 0.15
