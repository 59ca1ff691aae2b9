"""Message ids: one increasing sequence per room, shared by every chat replica, so all see
one order (consecutive per room, which lets each replica release a room's messages in order).

Each room's sequence is a Redis counter (``INCR`` is atomic; a counter document in the
database is not, on FerretDB: service_kit/store_compat). When the key is missing (Redis
restarted or was flushed) it is seeded from the room's highest id in the database, which
every replica shares, plus a margin: ids handed out before the flush may still be on
their way to the database, and a new post must never take an id below one already
delivered (a client resuming with that Last-Event-ID would miss it). The jump costs one
message the reorder window once (live_updates waits that long for the skipped ids). If an
id is handed out twice anyway, the unique (room, id) index refuses the second insert and
the feed takes a fresh id (message_feed.py).
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.models.messages import select_highest_event_id, select_highest_message_id
from chat_svc.reads.latest_cache import ready_key


def sequence_key(room: str) -> str:
    return f"chat:room:{room}:message_id"


# More than the posts that can be in flight at once across all replicas.
SEED_MARGIN = 1000

# One round trip per post: increment only a sequence that exists (nil means seed it first).
INCREMENT_IF_SEEDED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCR', KEYS[1])
"""


class MessageIdSequence:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._increment = redis.register_script(INCREMENT_IF_SEEDED)

    async def next_id(self, room: str) -> int:
        key = sequence_key(room)
        taken = await self._increment(keys=[key])
        if taken is None:  # first post since Redis started or was flushed
            await self.seed(room)
            return int(await self.redis.incr(key))
        return int(taken)

    async def seed(self, room: str) -> None:
        """Start the missing sequence above every id the database holds (one read; only
        after Redis restarted or was flushed). A sequence set meanwhile is kept."""
        seed = await select_highest_event_id(room)
        await self.redis.set(sequence_key(room), seed + SEED_MARGIN if seed else 0, nx=True)


async def start_new_room(redis: Redis, room: str) -> None:
    """A room just created holds no message: its sequence starts at 0 and its cache is
    complete, so nothing reads the store for it (a scan on FerretDB)."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(sequence_key(room), 0, nx=True)
            pipe.set(ready_key(room), b"1", nx=True)
            await pipe.execute()
    except (RedisError, OSError):  # read from the store when first needed
        pass


async def newest_id_so_far(redis: Redis, room: str) -> int:
    """Everything of ``room`` up to here: the id its sequence handed out last (a post's or a
    change's), or, when Redis lost the sequence, the store's newest message id."""
    try:
        handed_out = await redis.get(sequence_key(room))
    except (RedisError, OSError):
        handed_out = None
    if handed_out is not None:
        return int(handed_out)
    return await select_highest_message_id(room)
