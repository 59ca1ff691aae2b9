"""The newest messages in Redis, so the page and most resumes never touch the store.

A sorted set scored by message id holds the JSON of each message; every insert adds to it
unconditionally and a separate ``ready`` key says the set was filled from the store. A
flushed Redis loses ``ready`` and the next reader rebuilds from the store, merging with
whatever inserts added meanwhile, so no message is lost to the race.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from chat_svc.models.messages import MessageRecord

LATEST_KEY = "chat:latest"
READY_KEY = "chat:latest:ready"


@dataclass(frozen=True)
class LatestCache:
    redis: Redis
    size: int

    async def add(self, message: MessageRecord) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(LATEST_KEY, {message.model_dump_json(): message.message_id})
            pipe.zremrangebyrank(LATEST_KEY, 0, -(self.size + 1))
            await pipe.execute()

    async def fill(self, messages: Sequence[MessageRecord]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            if messages:
                pipe.zadd(LATEST_KEY, {m.model_dump_json(): m.message_id for m in messages})
            pipe.zremrangebyrank(LATEST_KEY, 0, -(self.size + 1))
            pipe.set(READY_KEY, b"1")
            await pipe.execute()

    async def is_ready(self) -> bool:
        return bool(await self.redis.exists(READY_KEY))

    async def latest(self, count: int) -> list[MessageRecord]:
        raw = await self.redis.zrange(LATEST_KEY, -count, -1)
        return _decode(cast(list[bytes], raw))

    async def after(self, after_id: int) -> list[MessageRecord] | None:
        """Everything newer than ``after_id``, or None when the cache does not reach back."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.exists(READY_KEY)
            pipe.zrange(LATEST_KEY, 0, 0, withscores=True)
            pipe.zrangebyscore(LATEST_KEY, f"({after_id}", "+inf")
            ready, oldest, newer = await pipe.execute()
        if not ready:
            return None
        if oldest and int(oldest[0][1]) > after_id + 1:
            return None  # older messages than the cache holds are missing
        return _decode(newer)


def _decode(raw: Sequence[bytes]) -> list[MessageRecord]:
    unique = {m.message_id: m for m in (MessageRecord.model_validate_json(r) for r in raw)}
    return [unique[key] for key in sorted(unique)]


async def latest_through_cache(
    cache: LatestCache,
    count: int,
    load_from_store: Callable[[int], Awaitable[list[MessageRecord]]],
) -> list[MessageRecord]:
    """The newest ``count`` messages from Redis, rebuilt from the store on a miss."""
    if await cache.is_ready():
        return await cache.latest(count)
    messages = await load_from_store(cache.size)
    await cache.fill(messages)
    return messages[-count:]
