"""The newest messages of each room in Redis, so the page and most resumes never touch the
store.

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


def latest_key(room: str) -> str:
    return f"chat:room:{room}:latest"


def ready_key(room: str) -> str:
    return f"chat:room:{room}:latest:ready"


@dataclass(frozen=True)
class LatestCache:
    redis: Redis
    size: int

    async def add(self, message: MessageRecord) -> None:
        key = latest_key(message.room)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {message.model_dump_json(): message.message_id})
            pipe.zremrangebyrank(key, 0, -(self.size + 1))
            await pipe.execute()

    async def fill(self, room: str, messages: Sequence[MessageRecord]) -> None:
        key = latest_key(room)
        async with self.redis.pipeline(transaction=True) as pipe:
            if messages:
                pipe.zadd(key, {m.model_dump_json(): m.message_id for m in messages})
            pipe.zremrangebyrank(key, 0, -(self.size + 1))
            pipe.set(ready_key(room), b"1")
            await pipe.execute()

    async def is_ready(self, room: str) -> bool:
        return bool(await self.redis.exists(ready_key(room)))

    async def latest(self, room: str, count: int) -> list[MessageRecord]:
        raw = await self.redis.zrange(latest_key(room), -count, -1)
        return _decode(cast(list[bytes], raw))

    async def after(self, room: str, after_id: int) -> list[MessageRecord] | None:
        """Everything newer than ``after_id``, or None when the cache does not reach back."""
        key = latest_key(room)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.exists(ready_key(room))
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.zrangebyscore(key, f"({after_id}", "+inf")
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
    room: str,
    count: int,
    load_from_store: Callable[[str, int], Awaitable[list[MessageRecord]]],
) -> list[MessageRecord]:
    """The newest ``count`` messages of ``room`` from Redis, rebuilt from the store on a miss."""
    if await cache.is_ready(room):
        return await cache.latest(room, count)
    messages = await load_from_store(room, cache.size)
    await cache.fill(room, messages)
    return messages[-count:]
