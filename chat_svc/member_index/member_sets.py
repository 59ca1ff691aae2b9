"""Each room's member ids as a Valkey set, an index over the memberships, which stay the
record. On FerretDB a read of one room's memberships scans all of them (0.6-1.1 s at
10,000: docs/performance.md), and a replica reads a room's list again after every join or
leave and every 5 minutes (reads/room_members.py); here it is one ``SMEMBERS``.

Joins and leaves write through after the store (actions/membership_changes.py). When
``chat:members:ready`` is missing (a flush, a first start, a write that failed) the first
reader rebuilds EVERY room's set from one read of the memberships, not one per room. A
change that lands while a rebuild reads the store bumps ``chat:members:dirty`` (only then),
and the rebuild starts again rather than mark the index ready with what it read before.
With MongoDB (``CHAT_HISTORY_INDEX=database``) the replicas read the (room, user_id) index
instead (runtime.py), and these sets are only written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

from chat_svc.models.memberships import Membership, select_member_ids

log = logging.getLogger(__name__)

READY = "chat:members:ready"
DIRTY = "chat:members:dirty"
ROOMS = "chat:members:rooms"  # every room with a set: a rebuild drops the stale ones
REBUILD_ATTEMPTS = 3

# KEYS: the room's set, ROOMS, READY, DIRTY. ARGV: user id, room, "1" joined / "0" left.
CHANGE = """
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('INCR', KEYS[4]) end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
else
  redis.call('SREM', KEYS[1], ARGV[1])
end
return 1
"""


def member_set_key(room: str) -> str:
    # Under the room's keys: a deleted room's go with it (room_administration/room_changes.py).
    return f"chat:room:{room}:members"


async def member_set_changed(redis: Redis, room: str, user_id: str, *, joined: bool) -> None:
    """After the store took the join or leave (also when it had it already: a retry after
    Valkey failed must finish). Unwritten, the index is marked for a rebuild."""
    keys = [member_set_key(room), ROOMS, READY, DIRTY]
    try:
        await redis.eval(CHANGE, len(keys), *keys, user_id, room, "1" if joined else "0")
    except (RedisError, OSError) as error:
        log.warning("member set not written, marking it for a rebuild: %s", error)
        with contextlib.suppress(RedisError, OSError):  # away: a restart rebuilds anyway
            await redis.delete(READY)


class MemberSets:
    """The reads; one per process (its rebuilds wait for each other)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._rebuilding = asyncio.Lock()

    async def member_ids(self, room: str) -> list[str]:
        """The room's member ids (deactivated people too); from the store only when Valkey
        cannot answer or changes kept outrunning the rebuild."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.exists(READY)
                pipe.smembers(member_set_key(room))
                ready, members = await pipe.execute()
            if ready:
                return [member.decode() for member in members]
            rebuilt = await self._rebuild()
            if rebuilt is not None:
                return rebuilt.get(room, [])
            return await self.member_ids(room)  # ready since: another rebuild finished
        except (RedisError, OSError) as error:
            log.warning("member sets unavailable, reading the store: %s", error)
        return await select_member_ids(room)

    async def _rebuild(self) -> dict[str, list[str]] | None:
        """Every room's members as the store has them; None when the index became ready
        meanwhile. Raises RedisError when changes landed during every attempt."""
        async with self._rebuilding:
            for _ in range(REBUILD_ATTEMPTS):
                if await self._redis.exists(READY):
                    return None
                rebuilt = await self._rebuild_once()
                if rebuilt is not None:
                    return rebuilt
        raise RedisError("memberships changed during each rebuild of the member sets")

    async def _rebuild_once(self) -> dict[str, list[str]] | None:
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(DIRTY)
            known: set[bytes | str] = await pipe.smembers(ROOMS)
            rows = Membership.get_pymongo_collection().find({}, {"room": 1, "user_id": 1, "_id": 0})
            by_room: dict[str, list[str]] = {}
            async for row in rows:
                by_room.setdefault(str(row["room"]), []).append(str(row["user_id"]))
            pipe.multi()  # type: ignore[no-untyped-call]
            stale = {_text(room) for room in known} | set(by_room)
            pipe.delete(ROOMS, *[member_set_key(room) for room in stale])
            for room, user_ids in by_room.items():
                pipe.sadd(member_set_key(room), *user_ids)
            if by_room:
                pipe.sadd(ROOMS, *by_room)
            pipe.set(READY, b"1")
            try:
                await pipe.execute()
            except WatchError:
                return None
        log.info("member sets rebuilt", extra={"rooms": len(by_room)})
        return by_room


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
