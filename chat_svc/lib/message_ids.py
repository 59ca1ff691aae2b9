"""Message ids: one increasing sequence shared by every chat replica, so all see one order.

The sequence is a Redis counter (``INCR`` is atomic; a counter document in the database is
not, on FerretDB: service_kit/store_compat). When the key is missing (Redis restarted or
was flushed) it is seeded from the highest id in the database, which every replica shares.
An id handed out just before a flush may be handed out again after it; the unique index on
message ids refuses the second insert and the feed takes a fresh id (message_feed.py).
"""

from __future__ import annotations

from redis.asyncio import Redis

from chat_svc.models.messages import select_highest_message_id

SEQUENCE_KEY = "chat:message_id"
# One round trip per post: increment only a sequence that exists (nil means seed it first).
INCREMENT_IF_SEEDED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCR', KEYS[1])
"""


class MessageIdSequence:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._increment = redis.register_script(INCREMENT_IF_SEEDED)

    async def next_id(self) -> int:
        taken = await self._increment(keys=[SEQUENCE_KEY])
        if taken is None:  # first post since Redis started or was flushed
            await self.redis.set(SEQUENCE_KEY, await select_highest_message_id(), nx=True)
            return int(await self.redis.incr(SEQUENCE_KEY))
        return int(taken)
