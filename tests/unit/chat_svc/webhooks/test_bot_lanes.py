"""Bot lanes: one bot's deliveries in the order handed in, bots independent of each other,
caps refuse instead of piling up, and a lane ends once its queue is empty."""

from __future__ import annotations

import asyncio

from chat_svc.webhooks.bot_lanes import BotLanes, Delivery


def recording(log: list[str], name: str, gate: asyncio.Event | None = None) -> Delivery:
    async def deliver() -> None:
        log.append(f"start {name}")
        if gate is not None:
            await gate.wait()
        log.append(f"end {name}")

    return deliver


async def until_idle(lanes: BotLanes) -> None:
    async with asyncio.timeout(5):
        while lanes.open_lanes:
            await asyncio.sleep(0)


async def test_a_held_lane_keeps_its_order_and_holds_up_no_other_bot() -> None:
    lanes, gate, log = BotLanes(), asyncio.Event(), list[str]()
    assert lanes.hand("slow", recording(log, "slow 1", gate))
    assert lanes.hand("slow", recording(log, "slow 2"))
    assert lanes.hand("quick", recording(log, "quick 1"))
    async with asyncio.timeout(5):
        while "end quick 1" not in log:
            await asyncio.sleep(0)
    assert "start slow 2" not in log  # waits behind slow 1, which is still open
    gate.set()
    await until_idle(lanes)
    slow = [entry for entry in log if "slow" in entry]
    assert slow == ["start slow 1", "end slow 1", "start slow 2", "end slow 2"]


async def test_full_lanes_refuse_and_an_empty_lane_ends() -> None:
    lanes, gate, log = BotLanes(max_lanes=1, max_waiting=1), asyncio.Event(), list[str]()
    assert lanes.hand("a", recording(log, "a 1", gate))
    assert not lanes.hand("b", recording(log, "b 1"))  # no lane left for a second bot
    await asyncio.sleep(0)  # a 1 is running: its queue is empty again
    assert lanes.hand("a", recording(log, "a 2"))
    assert not lanes.hand("a", recording(log, "a 3"))  # one waiting already
    gate.set()
    await until_idle(lanes)
    assert lanes.hand("b", recording(log, "b 2"))  # a's lane ended: room for b's
    await until_idle(lanes)
    assert log == ["start a 1", "end a 1", "start a 2", "end a 2", "start b 2", "end b 2"]
    await lanes.close()
