"""Each person's rooms in Redis: memberships, read positions and the room opened last, so
the room page, the POST and a stream's opening never read the database (on FerretDB every
filtered read is a scan that grows with the data: service_kit/store_compat).

Redis is a cache, the database is the truth. One hash per person holds everything
(``m:<room>`` -> title, kind and level, ``r:<room>`` -> read position, ``~opened``, ``~ready``),
so an eviction or a flush loses all of it at once and the next reader rebuilds it from the
database. The code that changes a membership writes the database first, then this hash
(``actions/membership_changes.py``).

A rebuild reads the database while a leave may be landing: the leave bumps ``~version``
before deleting its field, and the rebuild writes its copy only when ``~version`` is still
what it was before the rebuild read the database, so a room left meanwhile never comes back.
A rebuilt copy expires after ``COPY_SECONDS``: a write that failed while Redis was
unavailable (logged) is corrected by the next rebuild at the latest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

from async_lru import alru_cache
from redis.asyncio import Redis

from chat_svc.models.memberships import (
    Membership,
    NotificationLevel,
    select_memberships_of,
    select_memberships_of_people,
)
from chat_svc.models.rooms import RoomKind
from chat_svc.reads.sidebar import RoomPlace, last_opened, place_of
from chat_svc.stream_storms.coalesced_commands import coalesced

READY = "~ready"
OPENED = "~opened"
VERSION = "~version"
COPY_SECONDS = 3600


def person_key(user_id: str) -> str:
    return f"chat:person:{user_id}:rooms"


# KEYS[1] the person's hash; ARGV: the version read before the rebuild ("" when none),
# the room opened last ("" when none), seconds to keep the copy, then room, place JSON,
# read position, ... .
# Read positions only move forward; the opened room is kept when one is set meanwhile.
REBUILD = """
local version = redis.call('HGET', KEYS[1], '~version') or ''
if version ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('HSETNX', KEYS[1], '~opened', ARGV[2]) end
for i = 4, #ARGV, 3 do
  redis.call('HSET', KEYS[1], 'm:' .. ARGV[i], ARGV[i + 1])
  local read = 'r:' .. ARGV[i]
  local known = tonumber(redis.call('HGET', KEYS[1], read) or '0')
  if tonumber(ARGV[i + 2]) > known then redis.call('HSET', KEYS[1], read, ARGV[i + 2]) end
end
redis.call('HSET', KEYS[1], '~ready', '1')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1] the person's hash; ARGV: room, read position, "1" to make it the room opened last.
MARK_READ = """
local field = 'r:' .. ARGV[1]
local known = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if tonumber(ARGV[2]) > known then redis.call('HSET', KEYS[1], field, ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], '~opened', ARGV[1]) end
return 1
"""

# KEYS[1] the person's hash; ARGV: room, level. Only a room the copy holds (a left room
# never comes back).
SET_LEVEL = """
local field = 'm:' .. ARGV[1]
local meta = redis.call('HGET', KEYS[1], field)
if not meta then return 0 end
local place = cjson.decode(meta)
place['level'] = ARGV[2]
redis.call('HSET', KEYS[1], field, cjson.encode(place))
return 1
"""


@dataclass(frozen=True)
class PersonRoomsCopy:
    """What the hash holds for one person: their rooms by slug, and the room opened last."""

    places: dict[str, RoomPlace]
    last_opened: str | None


def parse_person_hash(raw: dict[bytes, bytes] | list[bytes]) -> PersonRoomsCopy | None:
    """The hash as HGETALL returns it (a dict, or a flat list from a script), or None when
    it is not a complete copy."""
    pairs = (
        list(raw.items()) if isinstance(raw, dict) else list(zip(raw[0::2], raw[1::2], strict=True))
    )
    fields = {bytes(k).decode(): bytes(v).decode() for k, v in pairs}
    if READY not in fields:
        return None
    places = {
        name[2:]: parse_place(name[2:], value, fields.get(f"r:{name[2:]}"))
        for name, value in fields.items()
        if name.startswith("m:")
    }
    return PersonRoomsCopy(places, fields.get(OPENED) or None)


def parse_place(room: str, meta_json: str | bytes, read: str | bytes | None) -> RoomPlace:
    """One room of the copy: its ``m:<room>`` and ``r:<room>`` fields."""
    meta = json.loads(meta_json)
    return RoomPlace(
        room=room,
        title=str(meta["title"]),
        kind=cast(RoomKind, meta["kind"]),
        last_read_message_id=int(read or 0),
        hidden=bool(meta.get("hidden")),
        level=meta.get("level"),
    )


def _place_json(
    title: str, kind: str, hidden: bool = False, level: NotificationLevel | None = None
) -> str:
    meta: dict[str, object] = {"title": title, "kind": kind}
    if hidden:
        meta["hidden"] = True
    if level is not None:
        meta["level"] = level
    return json.dumps(meta, separators=(",", ":"))


def _rebuild_args(version: bytes | str | None, memberships: list[Membership]) -> list[str]:
    """REBUILD's ARGV for one person (the version read before reading the database)."""
    seen = version.decode() if isinstance(version, bytes) else version or ""
    args = [seen, last_opened(memberships) or ""]
    args.append(str(COPY_SECONDS))
    for m in memberships:
        meta = _place_json(m.title, m.kind, m.hidden, m.notification_level)
        args += [m.room, meta, str(m.last_read_message_id)]
    return args


def _copy_of(memberships: list[Membership]) -> PersonRoomsCopy:
    return PersonRoomsCopy({m.room: place_of(m) for m in memberships}, last_opened(memberships))


@dataclass
class PersonRooms:
    redis: Redis

    def __post_init__(self) -> None:
        # Concurrent rebuilds of one person share one call; none is kept once it is done
        # (ttl 0): the copy lives in Redis.
        self._one_rebuild_per_person = alru_cache(maxsize=None, ttl=0)(self._rebuild_from_store)
        self._rebuild = self.redis.register_script(REBUILD)
        self._mark_read = self.redis.register_script(MARK_READ)
        self._set_level = self.redis.register_script(SET_LEVEL)

    async def copy_of(self, user_id: str) -> PersonRoomsCopy:
        """The person's rooms from Redis, rebuilt from the database when Redis lost them."""
        key = person_key(user_id)  # read with the others asked meanwhile (stream_storms/)
        stored = await coalesced(self.redis).call(lambda pipe: pipe.hgetall(key))
        found = parse_person_hash(cast(dict[bytes, bytes], stored))
        return found if found is not None else await self.rebuild(user_id)

    async def rebuild(self, user_id: str) -> PersonRoomsCopy:
        """From the database; one read per person however many requests ask at once (a
        page's streams all reopen after a Redis restart)."""
        return await self._one_rebuild_per_person(user_id)

    async def _rebuild_from_store(self, user_id: str) -> PersonRoomsCopy:
        key = person_key(user_id)
        version = await self.redis.hget(key, VERSION)
        memberships = await select_memberships_of(user_id)
        # Skipped when a leave landed meanwhile.
        await self._rebuild(keys=[key], args=_rebuild_args(version, memberships))
        return _copy_of(memberships)

    async def rebuild_many(self, user_ids: list[str]) -> dict[str, PersonRoomsCopy]:
        """Several people's copies from ONE database read (the push sender's members whose
        copy expired while they were away: chat_svc/push/sending/member_places.py)."""
        user_ids = list(dict.fromkeys(user_ids))
        keys = [person_key(user_id) for user_id in user_ids]
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hget(key, VERSION)
            versions = await pipe.execute()
        by_person: dict[str, list[Membership]] = {user_id: [] for user_id in user_ids}
        for membership in await select_memberships_of_people(user_ids):
            by_person[membership.user_id].append(membership)
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, version, memberships in zip(keys, versions, by_person.values(), strict=True):
                args = _rebuild_args(version, memberships)
                await self._rebuild(keys=[key], args=args, client=pipe)
            await pipe.execute()
        return {user_id: _copy_of(memberships) for user_id, memberships in by_person.items()}

    async def joined(self, user_id: str, room: str, title: str, kind: str, read_up_to: int) -> None:
        key = person_key(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, f"m:{room}", _place_json(title, kind))
            pipe.hsetnx(key, f"r:{room}", str(read_up_to))
            await pipe.execute()

    async def hidden(self, user_id: str, place: RoomPlace, hidden: bool) -> None:
        """A direct room hidden or shown again (it is never left, so never comes back
        from a leave by this write)."""
        meta = _place_json(place.title, place.kind, hidden, place.level)
        await self.redis.hset(person_key(user_id), f"m:{place.room}", meta)

    async def level_chosen(self, user_id: str, room: str, level: NotificationLevel) -> None:
        """A room's notification level (chat_svc/push/levels/), which the sidebar carries."""
        await self._set_level(keys=[person_key(user_id)], args=[room, level])

    async def left(self, user_id: str, room: str) -> None:
        key = person_key(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, VERSION, 1)  # a rebuild in flight must not bring the room back
            pipe.hdel(key, f"m:{room}", f"r:{room}")
            await pipe.execute()

    async def read(self, user_id: str, room: str, read_up_to: int, *, opened: bool) -> None:
        # With the others marked meanwhile: 1,000 streams ending at once ran the pool dry.
        keys, args = [person_key(user_id)], [room, str(read_up_to), "1" if opened else "0"]
        mark = self._mark_read
        await coalesced(self.redis).call(lambda pipe: mark(keys=keys, args=args, client=pipe))
