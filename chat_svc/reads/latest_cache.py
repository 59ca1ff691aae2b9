"""The newest messages of each room in Redis, so the page and most resumes never touch the
store.

A sorted set scored by message id holds the JSON of each message; every insert adds to it
unconditionally and a separate ``ready`` key says the set was filled from the store. A
flushed Redis loses ``ready`` and the next reader rebuilds from the store, merging with
whatever inserts added meanwhile, so no message is lost to the race.

An edit or deletion replaces the message's entry in place (its score stays the message id,
so the page's latest messages stay the same set) and records ``message id -> event id`` in
a second sorted set, scored by event id: a resume after event N replays the messages posted
after N and those changed after N, each once, as they are now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from chat_svc.models.messages import MessageRecord, select_messages_changed_since


def latest_key(room: str) -> str:
    return f"chat:room:{room}:latest"


def ready_key(room: str) -> str:
    return f"chat:room:{room}:latest:ready"


def changes_key(room: str) -> str:
    return f"chat:room:{room}:latest:changes"


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

    async def replace(self, message: MessageRecord) -> None:
        """The message's current version (edited or deleted) instead of the cached one."""
        key, changes = latest_key(message.room), changes_key(message.room)
        oldest = await self.redis.zrange(key, 0, 0, withscores=True)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, message.message_id, message.message_id)
            if not oldest or message.message_id >= int(oldest[0][1]):
                pipe.zadd(key, {message.model_dump_json(): message.message_id})
            pipe.zadd(changes, {str(message.message_id): message.stream_id})
            if oldest:  # changes older than the cached messages are read from the store
                pipe.zremrangebyscore(changes, "-inf", f"({int(oldest[0][1])}")
            await pipe.execute()

    async def fill(
        self,
        room: str,
        messages: Sequence[MessageRecord],
        changed: Sequence[MessageRecord] = (),
    ) -> None:
        """``changed``: the messages edited or deleted since the oldest of ``messages``."""
        key = latest_key(room)
        async with self.redis.pipeline(transaction=True) as pipe:
            if messages:
                pipe.zadd(key, {m.model_dump_json(): m.message_id for m in messages})
            if changed:
                pipe.zadd(changes_key(room), {str(m.message_id): m.stream_id for m in changed})
            pipe.zremrangebyrank(key, 0, -(self.size + 1))
            pipe.set(ready_key(room), b"1")
            await pipe.execute()

    async def is_ready(self, room: str) -> bool:
        return bool(await self.redis.exists(ready_key(room)))

    async def latest(self, room: str, count: int) -> list[MessageRecord]:
        raw = await self.redis.zrange(latest_key(room), -count, -1)
        return _decode(cast(list[bytes], raw))

    async def after(self, room: str, after_id: int) -> list[MessageRecord] | None:
        """Every message posted or changed after event ``after_id``, in event order, or None
        when the cache does not reach back."""
        key = latest_key(room)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.exists(ready_key(room))
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.zrangebyscore(key, f"({after_id}", "+inf")
            pipe.zrangebyscore(changes_key(room), f"({after_id}", "+inf")
            ready, oldest, newer, changed = await pipe.execute()
        if not ready:
            return None
        if oldest and int(oldest[0][1]) > after_id + 1:
            return None  # older messages than the cache holds are missing
        earlier = sorted({int(m) for m in changed})
        earlier = [message_id for message_id in earlier if message_id <= after_id]
        if earlier and oldest and earlier[0] < int(oldest[0][1]):
            return None  # a change to a message older than the cache holds
        if earlier:
            async with self.redis.pipeline(transaction=False) as pipe:
                for message_id in earlier:
                    pipe.zrangebyscore(key, message_id, message_id)
                newer = list(newer) + [raw for found in await pipe.execute() for raw in found]
        return sorted(_decode(newer), key=lambda m: m.stream_id)


def _decode(raw: Sequence[bytes]) -> list[MessageRecord]:
    unique: dict[int, MessageRecord] = {}
    for message in (MessageRecord.model_validate_json(r) for r in raw):
        known = unique.get(message.message_id)
        # A rebuild racing an edit can leave both versions: the newer one counts.
        if known is None or message.stream_id > known.stream_id:
            unique[message.message_id] = message
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
    changed = await select_messages_changed_since(room, messages[0].message_id) if messages else []
    await cache.fill(room, messages, changed)
    return messages[-count:]
