"""Per room, the members who chose *everything* (kept in Valkey), so the push sender reads
the copies of only those and of the people a message mentions, not of the whole room:
every other member's level (the default *mentions*, or *nothing*) cannot ask for it.

A superset is safe, a missing person is not: the sender still decides from each person's
copy (their level and read position, member_places.py), so the set only says whose copies
to read. So a choice of *everything* is added before the person's copy says so and a
choice away from it removed after (level_changes.py), a left member's entry may stay (the
sender reads only the room's current members), and direct rooms, where everyone asks for
everything, need no set (actions/room_names.py ``is_direct``).

Valkey is a cache, the database is the truth: a lost or expired set is rebuilt from ONE
database read of the room's memberships at *everything*, shared by the messages that ask
meanwhile. A choice made while that read runs bumps ``~version``, and the rebuild writes
its set only when ``~version`` is unchanged (reads/person_rooms.py does the same), so a
stale read never hides a new choice; the set expires after ``COPY_SECONDS`` like the
copies, which bounds a write lost while Valkey was unavailable.
"""

from __future__ import annotations

from async_lru import alru_cache
from redis.asyncio import Redis

from chat_svc.models.memberships import Membership, NotificationLevel
from chat_svc.reads.person_rooms import COPY_SECONDS

READY = "~ready"
VERSION = "~version"

# KEYS[1] the room's hash; ARGV: the version read before the database ("" when none),
# seconds to keep it, then the user ids. Entries written meanwhile are kept (a superset).
REBUILD = """
local version = redis.call('HGET', KEYS[1], '~version') or ''
if version ~= ARGV[1] then return 0 end
for i = 3, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], '1') end
redis.call('HSET', KEYS[1], '~ready', '1')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS[1] the room's hash; ARGV: user id, "1" to add, "0" to remove, seconds to keep a
# hash this makes (no set yet: only the version and this entry until a rebuild).
CHOSEN = """
redis.call('HINCRBY', KEYS[1], '~version', 1)
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], ARGV[1], '1')
else redis.call('HDEL', KEYS[1], ARGV[1]) end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


def every_message_key(room: str) -> str:
    return f"chat:room:{room}:every-message"


async def select_every_message_ids(room: str) -> list[str]:
    rows = Membership.get_pymongo_collection().find(
        {"room": room, "notification_level": "everything"}, {"user_id": 1, "_id": 0}
    )
    return [str(row["user_id"]) async for row in rows]


class EveryMessageMembers:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._rebuild_script = redis.register_script(REBUILD)
        self._chosen = redis.register_script(CHOSEN)
        # Concurrent rebuilds of one room share one database read; none is kept (ttl 0).
        self._one_rebuild_per_room = alru_cache(maxsize=None, ttl=0)(self._rebuild)

    async def of(self, room: str) -> frozenset[str]:
        """Everyone in ``room`` at *everything* (and maybe some who left or changed since)."""
        names = await self._entries(room)
        if READY not in names:
            return await self._one_rebuild_per_room(room)
        return frozenset(names - {READY, VERSION})

    async def _entries(self, room: str) -> set[str]:
        fields = await self.redis.hkeys(every_message_key(room))
        return {f.decode() if isinstance(f, bytes) else f for f in fields}

    async def _rebuild(self, room: str) -> frozenset[str]:
        version = await self.redis.hget(every_message_key(room), VERSION)
        seen = version.decode() if isinstance(version, bytes) else ""
        user_ids = await select_every_message_ids(room)
        if await self.store_rebuilt(room, seen, user_ids):
            return frozenset(user_ids)
        # A choice landed meanwhile: not written; for this message, with what it added.
        return frozenset(user_ids) | (await self._entries(room) - {READY, VERSION})

    async def store_rebuilt(self, room: str, seen_version: str, user_ids: list[str]) -> bool:
        """The set read from the database, kept only when no choice landed since
        ``seen_version`` (the version read before the database)."""
        args = [seen_version, str(COPY_SECONDS), *user_ids]
        return bool(await self._rebuild_script(keys=[every_message_key(room)], args=args))

    async def chosen(self, room: str, user_id: str, level: NotificationLevel) -> None:
        """After the database has the level (a rebuild may already read it)."""
        adding = "1" if level == "everything" else "0"
        args = [user_id, adding, str(COPY_SECONDS)]
        await self._chosen(keys=[every_message_key(room)], args=args)
