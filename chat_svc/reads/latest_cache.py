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

Who each message mentions is kept per person (``mentions_key``: the ids of the messages by
others that mention them), so an unread mention count is one ``ZCOUNT`` however many
messages are unread; an edit or deletion moves the id between people's sets.

With ``size=UNBOUNDED`` (``CHAT_HISTORY_INDEX=valkey``, reads/history/) the sets hold every
message of the room, not only the newest: they are then the room's history index.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from chat_svc.models.messages import MessageRecord, select_messages_changed_since
from chat_svc.stream_storms.coalesced_commands import coalesced


def latest_key(room: str) -> str:
    return f"chat:room:{room}:latest"


def ready_key(room: str) -> str:
    return f"chat:room:{room}:latest:ready"


def changes_key(room: str) -> str:
    return f"chat:room:{room}:latest:changes"


def deleted_key(room: str) -> str:
    """The ids of ``room``'s deleted messages: an unread count leaves them out (issue 37)."""
    return latest_key(room) + ":deleted"


def mentions_prefix(room: str) -> str:
    return f"chat:room:{room}:latest:mentions:"


def mentions_key(room: str, user_id: str) -> str:
    """The ids of ``room``'s messages by others that mention ``user_id``."""
    return mentions_prefix(room) + user_id


def mentioned_others(message: MessageRecord) -> list[str]:
    """Whom the message counts as a mention for: never its own author."""
    return [user for user in message.mentions if user != message.author_id]


# No trim: every message of the room stays (a history index, not a cache of the newest).
UNBOUNDED = 10**15

# KEYS: the room's latest set, its changes set. ARGV: the mention sets' prefix, then per
# message: id, JSON, event id of its newest change (0: none), mentioned people (comma
# separated). Adds only messages the set does not hold: a version written meanwhile by an
# edit (replace) is newer than what a rebuild read from the store.
ADD_ABSENT = """
local added = 0
for i = 2, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('ZCOUNT', KEYS[1], id, id) == 0 then
    redis.call('ZADD', KEYS[1], id, ARGV[i + 1])
    if ARGV[i + 2] ~= '0' then redis.call('ZADD', KEYS[2], ARGV[i + 2], id) end
    for who in string.gmatch(ARGV[i + 3], '[^,]+') do
      redis.call('ZADD', ARGV[1] .. who, id, id)
    end
    added = added + 1
  end
end
return added
"""

# KEYS: the room's ready mark, latest set, changes set. ARGV: the event id resumed after.
# The four reads of a resume at one moment (a script runs alone): whether the cache is
# ready, its oldest entry, what is newer, what changed since.
RESUME_READ = """
local after = '(' .. ARGV[1]
return {
  redis.call('EXISTS', KEYS[1]),
  redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES'),
  redis.call('ZRANGEBYSCORE', KEYS[2], after, '+inf'),
  redis.call('ZRANGEBYSCORE', KEYS[3], after, '+inf'),
}
"""


@dataclass
class LatestCache:
    redis: Redis
    size: int

    def __post_init__(self) -> None:
        self._add_absent = self.redis.register_script(ADD_ABSENT)
        self._resume_read = self.redis.register_script(RESUME_READ)

    @property
    def bounded(self) -> bool:
        return self.size < UNBOUNDED

    async def add(self, message: MessageRecord) -> None:
        key = latest_key(message.room)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {message.model_dump_json(): message.message_id})
            for user in mentioned_others(message):
                pipe.zadd(
                    mentions_key(message.room, user), {str(message.message_id): message.message_id}
                )
            if self.bounded:
                pipe.zremrangebyrank(key, 0, -(self.size + 1))
            await pipe.execute()

    async def replace(self, message: MessageRecord, previous_mentions: Sequence[str] = ()) -> None:
        """The message's current version (edited or deleted) instead of the cached one;
        ``previous_mentions``: whom the version it replaces mentioned."""
        key, changes = latest_key(message.room), changes_key(message.room)
        oldest = await self.redis.zrange(key, 0, 0, withscores=True) if self.bounded else []
        member = str(message.message_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, message.message_id, message.message_id)
            if not oldest or message.message_id >= int(oldest[0][1]):
                pipe.zadd(key, {message.model_dump_json(): message.message_id})
            pipe.zadd(changes, {member: message.stream_id})
            if oldest:  # changes older than the cached messages are read from the store
                pipe.zremrangebyscore(changes, "-inf", f"({int(oldest[0][1])}")
            for user in previous_mentions:
                pipe.zrem(mentions_key(message.room, user), member)
            for user in mentioned_others(message):
                pipe.zadd(mentions_key(message.room, user), {member: message.message_id})
            if message.deleted:
                pipe.zadd(deleted_key(message.room), {member: message.message_id})
            await pipe.execute()

    async def add_absent(self, room: str, messages: Sequence[MessageRecord]) -> int:
        """Messages read from the store, where the set does not hold them yet (a rebuild:
        a version an edit wrote meanwhile is kept). How many were added."""
        args: list[str | int] = [mentions_prefix(room)]
        for m in messages:
            changed = m.stream_id if m.event_id else 0
            args += [m.message_id, m.model_dump_json(), changed, ",".join(mentioned_others(m))]
        keys = [latest_key(room), changes_key(room)]
        added = int(await self._add_absent(keys=keys, args=args))
        await self._note_deleted(room, messages)
        return added

    async def _note_deleted(self, room: str, messages: Sequence[MessageRecord]) -> None:
        deleted = {str(m.message_id): m.message_id for m in messages if m.deleted}
        if deleted:
            await self.redis.zadd(deleted_key(room), deleted)

    async def mark_ready(self, room: str) -> None:
        await self.redis.set(ready_key(room), b"1")

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
            for m in messages:
                for user in mentioned_others(m):
                    pipe.zadd(mentions_key(room, user), {str(m.message_id): m.message_id})
            if deleted := {str(m.message_id): m.message_id for m in messages if m.deleted}:
                pipe.zadd(deleted_key(room), deleted)
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
        keys, read = [ready_key(room), key, changes_key(room)], self._resume_read
        # Read after the stream joined the fan-out, with every resume asked meanwhile: the
        # streams of a deploy's reconnect cost a few round trips (stream_storms/).
        ready, oldest_entry, newer, changed = await coalesced(self.redis).call(
            lambda pipe: read(keys=keys, args=[after_id], client=pipe)
        )
        if not ready:
            return None
        oldest = int(oldest_entry[1]) if oldest_entry else None  # [member, score]
        if oldest is not None and oldest > after_id + 1:
            return None  # older messages than the cache holds are missing
        earlier = sorted({int(m) for m in changed})
        earlier = [message_id for message_id in earlier if message_id <= after_id]
        if earlier and oldest is not None and earlier[0] < oldest:
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
