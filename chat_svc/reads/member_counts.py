"""Each room's member count for its header: a Valkey count kept on join and leave
(reads/kept_counters.py), so a page on a cold cache reads one key instead of the room's
memberships and their names (scans on FerretDB). Rebuilt from the database when missing;
a room's deletion drops it with the room's other keys (room_changes.delete)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.models.memberships import count_members
from chat_svc.reads.kept_counters import KeptCounters

log = logging.getLogger(__name__)


def member_count_key(room: str) -> str:
    return f"chat:room:{room}:member_count"


class MemberCounts:
    def __init__(self, redis: Redis) -> None:
        self._counters = KeptCounters(redis)

    async def of(self, room: str) -> int:
        async def rebuild() -> int:
            return (await count_members([room])).get(room, 0)

        try:
            return await self._counters.read(member_count_key(room), rebuild)
        except (RedisError, OSError) as error:  # Valkey down: the page still shows the count
            log.warning("member count from the database: %s", error, extra={"room": room})
            return await rebuild()

    async def changed(self, room: str, by: int) -> None:
        """After the membership was stored (+1 joined, -1 left)."""
        try:
            await self._counters.add(member_count_key(room), by)
        except (RedisError, OSError) as error:  # read from the database once Valkey is back
            log.warning("member count not kept: %s", error, extra={"room": room})
