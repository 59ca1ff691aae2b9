"""Message ids: one increasing sequence per room, shared by every chat replica, so all see
one order (consecutive per room, which lets each replica release a room's messages in order).

With MongoDB the counter document in the store is that sequence. The in-memory store lives
inside one process, so replicas on it would hand out the same ids: they take ids from Redis
instead (shared by every replica), seeded from the store's highest id when the key is
missing. After a Redis flush in that dev-only mode a replica seeds from its own store, which
may lag another's: run several replicas on a real MongoDB (docs/deploy.md).
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from chat_svc.models.messages import next_message_id, select_highest_message_id


def sequence_key(room: str) -> str:
    return f"chat:room:{room}:message_id"


# One round trip per post: increment only a sequence that exists (nil means seed it first).
INCREMENT_IF_SEEDED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCR', KEYS[1])
"""


class MessageIdSequence(Protocol):
    async def next_id(self, room: str) -> int: ...


class StoreSequence:
    async def next_id(self, room: str) -> int:
        return await next_message_id(room)


class RedisSequence:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._increment = redis.register_script(INCREMENT_IF_SEEDED)

    async def next_id(self, room: str) -> int:
        key = sequence_key(room)
        taken = await self._increment(keys=[key])
        if taken is None:  # first post since Redis started or was flushed
            await self.redis.set(key, await select_highest_message_id(room), nx=True)
            return int(await self.redis.incr(key))
        return int(taken)


def shared_message_ids(store_in_memory: bool, redis: Redis) -> MessageIdSequence:
    return RedisSequence(redis) if store_in_memory else StoreSequence()
