"""Live messages leave a replica in id order, whatever order NATS brought them in."""

import asyncio

from chat_svc.lib.id_order import IdOrder


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
