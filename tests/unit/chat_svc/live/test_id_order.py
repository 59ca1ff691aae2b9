"""Live messages leave a replica in id order, whatever order NATS brought them in."""

import asyncio
import tracemalloc

from chat_svc.live.id_order import GIVEN_UP_HORIZON, IdOrder


def collector() -> tuple[list[int], IdOrder]:
    released: list[int] = []
    order = IdOrder(lambda message_id, _data: released.append(message_id), window=0.05)
    return released, order


async def test_a_message_waits_for_its_predecessor() -> None:
    released, order = collector()
    order.offer(103, b"")
    order.offer(105, b"")
    assert released == [103]
    order.offer(104, b"")
    assert released == [103, 104, 105]
    assert order.held == 0


async def test_a_gap_that_never_fills_is_given_up_after_the_window() -> None:
    released, order = collector()
    order.offer(1, b"")
    order.offer(3, b"")  # id 2 was taken by a post that failed
    order.offer(4, b"")
    assert released == [1]
    async with asyncio.timeout(5):
        while order.held:
            await asyncio.sleep(0.01)
    assert released == [1, 3, 4]
    order.offer(2, b"")  # late after all: still delivered, the page places it by id
    assert released == [1, 3, 4, 2]
    order.offer(5, b"")
    assert released == [1, 3, 4, 2, 5]


async def test_a_second_gap_gets_its_own_window() -> None:
    released, order = collector()
    order.offer(1, b"")
    order.offer(3, b"")
    order.offer(6, b"")
    async with asyncio.timeout(5):
        while order.held:
            await asyncio.sleep(0.01)
    assert released == [1, 3, 6]


async def test_closing_drops_what_is_held_and_its_timer() -> None:
    released, order = collector()
    order.offer(1, b"")
    order.offer(3, b"")
    order.close()
    await asyncio.sleep(0.1)
    assert released == [1]


async def test_a_message_published_twice_is_released_once() -> None:
    # A post whose publish was not acknowledged is published again: a replica that had it
    # already drops the second copy, one that had given up on its gap releases it once.
    released, order = collector()
    order.offer(1, b"")
    order.offer(2, b"")
    order.offer(2, b"")  # its first publish had arrived after all
    order.offer(4, b"")  # 3's first publish was lost
    async with asyncio.timeout(5):
        while order.held:
            await asyncio.sleep(0.01)
    order.offer(3, b"")  # published again
    order.offer(3, b"")
    order.offer(4, b"")
    assert released == [1, 2, 4, 3]


async def test_messages_older_than_where_ordering_started_are_released() -> None:
    # Stored before this replica followed the room: published late, still delivered (the
    # streams that read them from the store skip them by id).
    released, order = collector()
    order.start_at(10)
    order.offer(8, b"")
    order.offer(10, b"")
    order.start_at(20)  # too late: ordering already started
    order.offer(11, b"")
    assert released == [8, 10, 11]


async def test_ids_given_up_on_are_remembered_within_a_horizon() -> None:
    # A long outage leaves many failed posts behind: the oldest are forgotten, the recent
    # ones still come through once.
    released, order = collector()
    order.offer(1, b"")
    order.offer(GIVEN_UP_HORIZON + 100, b"")  # every id between was taken by a failed post
    async with asyncio.timeout(5):
        while order.held:
            await asyncio.sleep(0.01)
    order.offer(GIVEN_UP_HORIZON + 99, b"")
    order.offer(2, b"")  # beyond the horizon: dropped
    assert released == [1, GIVEN_UP_HORIZON + 100, GIVEN_UP_HORIZON + 99]


async def test_a_gap_of_many_ids_is_remembered_in_little_memory() -> None:
    # After a Redis flush a room's sequence jumps by its seed margin: every room a replica
    # follows then gives up on a thousand ids at once. They are kept as ranges, not ids.
    released, order = collector()
    order.offer(1, b"")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        order.offer(GIVEN_UP_HORIZON + 2, b"")
        async with asyncio.timeout(5):
            while order.held:
                await asyncio.sleep(0.01)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert order.given_up == GIVEN_UP_HORIZON
    assert grown < 20_000  # bytes; one int per id would take over 500,000
    order.offer(500, b"")  # late after all: once
    order.offer(500, b"")
    assert order.given_up == GIVEN_UP_HORIZON - 1
    assert released == [1, GIVEN_UP_HORIZON + 2, 500]
