"""The kept counters on a real Valkey (reads/kept_counters.py): a change racing a rebuild is
never lost, and racing takes never pass the limit together."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from chat_svc.reads.kept_counters import KeptCounters


async def test_a_change_during_a_rebuild_is_not_lost(redis_client: Redis) -> None:
    counters = KeptCounters(redis_client)
    in_database, raced = 5, False

    async def rebuild() -> int:
        nonlocal in_database, raced
        counted = in_database
        if not raced:  # someone joins between the first count and its keeping
            in_database, raced = in_database + 1, True
            await counters.add("count", 1)
        return counted

    during = await counters.read("count", rebuild)
    after = await counters.read("count", rebuild)
    kept = await redis_client.get("count")
    assert (during, after, kept) == (5, 6, b"6")  # the stale 5 was never kept


async def test_racing_takes_never_pass_the_limit_together(redis_client: Redis) -> None:
    counters = KeptCounters(redis_client)

    async def rebuild() -> int:
        await asyncio.sleep(0.01)  # every take finds the count missing at first
        return 1

    taken = await asyncio.gather(*(counters.take_within("bytes", 3, 10, rebuild) for _ in range(8)))
    await counters.add("bytes", -3)  # a file removed: its bytes come back
    again = await counters.take_within("bytes", 3, 10, rebuild)
    assert sorted(passed for passed, _ in taken) == [False] * 5 + [True] * 3
    assert again[0] is True and await redis_client.get("bytes") == b"10"
