"""Everything the room page reads, in one Redis round trip and no database read: the
person's rooms and read positions (reads/person_rooms.py), the unread count of each of their
rooms, the room's newest messages (reads/latest_cache.py) and who is here (live/presence.py).

An unread count is read from the room's cached newest messages (``ZCOUNT`` after the read
position, less the deleted ones: reads/latest_cache.py ``deleted_key``), which is exact
while the cache reaches back to the read position; a room whose cache was lost, and a count
past the cache's reach (more than ``latest_cache_size`` unread, with
``CHAT_HISTORY_INDEX=database``), are counted by the history index (reads/history/). With
``CHAT_HISTORY_INDEX=valkey`` the cache holds every message, so only a lost cache counts
elsewhere.

The script names the rooms' keys itself (it learns the rooms from the person's hash): fine
on one Redis or Valkey, not on a Redis Cluster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import cast

from redis.asyncio import Redis

from chat_svc.avatars.direct_room_avatars import DirectRoomAvatars
from chat_svc.live.presence import here_key, people_here
from chat_svc.models.memberships import select_memberships_of
from chat_svc.models.messages import count_unread_messages
from chat_svc.reads.history import HistoryIndex
from chat_svc.reads.latest_cache import LatestCache, latest_key, ready_key
from chat_svc.reads.person_rooms import PersonRooms, parse_person_hash, person_key
from chat_svc.reads.sidebar import RoomPlace, Sidebar, build_sidebar, last_opened, place_of
from chat_svc.stream_storms.coalesced_commands import coalesced

# KEYS: the person's hash, the room's latest set, its ready key, its here set (the room's
# keys may name no room: "" for the rooms and people pages).
# ARGV: the room, how many messages, now (presence entries expire), the latest keys' prefix
# and suffix, the person's user id.
# Returns: the person's hash (flat), the room's ready flag, its newest messages, who is
# here, then per other room: slug, ready, unread count, cached count, oldest and newest id,
# unread messages by others that mention the person (the room's mention set of the person,
# reads/latest_cache.py).
SNAPSHOT = """
local person = redis.call('HGETALL', KEYS[1])
local ready, latest, here = 0, {}, {}
if ARGV[1] ~= '' then
  ready = redis.call('EXISTS', KEYS[3])
  if ready == 1 and tonumber(ARGV[2]) > 0 then
    latest = redis.call('ZRANGE', KEYS[2], -tonumber(ARGV[2]), -1)
  end
  here = redis.call('ZRANGEBYSCORE', KEYS[4], ARGV[3], '+inf')
end
local reads = {}
for i = 1, #person, 2 do
  if string.sub(person[i], 1, 2) == 'r:' then reads[string.sub(person[i], 3)] = person[i + 1] end
end
local counts = {}
for i = 1, #person, 2 do
  if string.sub(person[i], 1, 2) == 'm:' then
    local room = string.sub(person[i], 3)
    if room ~= ARGV[1] then
      local key = ARGV[4] .. room .. ARGV[5]
      local read = reads[room] or '0'
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
      local unread = redis.call('ZCOUNT', key, '(' .. read, '+inf')
        - redis.call('ZCOUNT', key .. ':deleted', '(' .. read, '+inf')
      local mentions = 0
      if unread > 0 then
        mentions = redis.call('ZCOUNT', key .. ':mentions:' .. ARGV[6], '(' .. read, '+inf')
      end
      table.insert(counts, {
        room,
        redis.call('EXISTS', key .. ':ready'),
        unread,
        redis.call('ZCARD', key),
        tonumber(oldest[2] or '0'),
        tonumber(newest[2] or '0'),
        mentions,
      })
    end
  end
end
return {person, ready, latest, here, counts}
"""
LATEST_PREFIX, LATEST_SUFFIX = latest_key("\0").split("\0")


@dataclass(frozen=True)
class RoomSnapshot:
    sidebar: Sidebar
    # The room's newest messages as the cache stores them (JSON), oldest first; None when
    # the cache had to be rebuilt (``records`` then holds them).
    latest_json: list[bytes] | None
    here: list[tuple[str, str]] | None  # (id, name) by name; None: unknown (Redis down)
    # Per room of the person's: unread count and the newest message id counted.
    unread: dict[str, tuple[int, int]]
    places: dict[str, RoomPlace]
    # Per room: unread messages by others that mention the person.
    mentions: dict[str, int]


@dataclass
class RoomSnapshots:
    redis: Redis
    people: PersonRooms
    cache: LatestCache
    history: HistoryIndex  # counts what the cache cannot (reads/history/)
    avatars: DirectRoomAvatars = field(default_factory=DirectRoomAvatars)

    def __post_init__(self) -> None:
        self._script = self.redis.register_script(SNAPSHOT)

    async def take(self, user_id: str, room: str | None, count: int = 0) -> RoomSnapshot:
        """``room``: the room on screen (None for pages that show only the sidebar)."""
        raw = await self._run(user_id, room or "", count)
        copy = parse_person_hash(cast(list[bytes], raw[0]))
        if copy is None:  # Redis lost the person's rooms: rebuilt from the database
            await self.people.rebuild(user_id)
            raw = await self._run(user_id, room or "", count)
            copy = parse_person_hash(cast(list[bytes], raw[0]))
            if copy is None:  # a leave landed during the rebuild: the database answers
                copy = await self.people.rebuild(user_id)
        latest_json: list[bytes] | None = list(cast(list[bytes], raw[2]))
        if room and not raw[1]:
            latest_json = None
        here = people_here(cast(list[bytes], raw[3]))
        unread, mentions = await self._unread(
            user_id, copy.places, cast(list[list[object]], raw[4])
        )
        sidebar = build_sidebar(
            copy.places.values(),
            {k: v[0] for k, v in unread.items()},
            room,
            copy.last_opened,
            mentions,
            await self.avatars.of(user_id, copy.places.values()),
        )
        return RoomSnapshot(sidebar, latest_json, here, unread, copy.places, mentions)

    async def _run(self, user_id: str, room: str, count: int) -> list[object]:
        keys = [person_key(user_id), latest_key(room), ready_key(room), here_key(room)]
        args: list[str | int | float] = [
            room,
            count,
            time.time(),
            LATEST_PREFIX,
            LATEST_SUFFIX,
            user_id,
        ]
        # With every other snapshot asked meanwhile: a storm of streams is a few round trips.
        script = self._script
        found = await coalesced(self.redis).call(
            lambda pipe: script(keys=keys, args=args, client=pipe)
        )
        return cast(list[object], found)

    async def _unread(
        self, user_id: str, places: dict[str, RoomPlace], rows: list[list[object]]
    ) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
        unread: dict[str, tuple[int, int]] = {}
        mentions: dict[str, int] = {}
        from_index: dict[str, int] = {}
        for row in rows:
            room = bytes(cast(bytes, row[0])).decode()
            ready, count, cached, oldest, newest, mentioned = (int(cast(int, v)) for v in row[1:])
            place = places.get(room)
            read = place.last_read_message_id if place is not None else 0
            if not ready or (cached >= self.cache.size and oldest > read + 1):
                # The room's cache was lost, or holds fewer than the unread messages.
                from_index[room] = read
            else:
                unread[room] = (count, newest if count else read)
                mentions[room] = mentioned
        if from_index:
            found = await self.history.unread(from_index, user_id)
            for room, read in from_index.items():
                counted = found.get(room)
                unread[room] = (counted.count, counted.newest) if counted else (0, read)
                mentions[room] = counted.mentions if counted else 0
        return unread, mentions


async def snapshot_from_store(
    user_id: str, room: str | None, avatars: DirectRoomAvatars
) -> RoomSnapshot:
    """The same figures from the database alone, while Redis is unavailable (logged by
    the caller); the room's messages are read by the caller, who is here is unknown."""
    memberships = await select_memberships_of(user_id)
    places = {m.room: place_of(m) for m in memberships}
    reads = {m.room: m.last_read_message_id for m in memberships if m.room != room}
    found = await count_unread_messages(reads, reader=user_id)
    unread = {
        name: (found[name].count, found[name].newest) if name in found else (0, read)
        for name, read in reads.items()
    }
    mentions = {name: found[name].mentions for name in reads if name in found}
    sidebar = build_sidebar(
        places.values(),
        {k: v[0] for k, v in unread.items()},
        room,
        last_opened(memberships),
        mentions,
        await avatars.of(user_id, places.values()),
    )
    return RoomSnapshot(sidebar, None, None, unread, places, mentions)
