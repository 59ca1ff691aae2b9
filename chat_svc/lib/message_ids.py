"""Message ids: one increasing sequence shared by every chat replica, so all see one order.

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

SEQUENCE_KEY = "chat:message_id"
# One round trip per post: increment only a sequence that exists (nil means seed it first).
INCREMENT_IF_SEEDED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCR', KEYS[1])
"""


class MessageIdSequence(Protocol):
    async def next_id(self) -> int: ...


class StoreSequence:
    async def next_id(self) -> int:
        return await next_message_id()


class RedisSequence:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._increment = redis.register_script(INCREMENT_IF_SEEDED)

    async def next_id(self) -> int:
        taken = await self._increment(keys=[SEQUENCE_KEY])
        if taken is None:  # first post since Redis started or was flushed
            await self.redis.set(SEQUENCE_KEY, await select_highest_message_id(), nx=True)
            return int(await self.redis.incr(SEQUENCE_KEY))
        return int(taken)


def shared_message_ids(store_in_memory: bool, redis: Redis) -> MessageIdSequence:
    return RedisSequence(redis) if store_in_memory else StoreSequence()
