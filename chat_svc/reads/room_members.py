"""Each room's members with their display names, kept in this process: every post looks
for mentions among them. A cold list reads the ids from ``member_ids`` (MongoDB's index, or
member_index/'s sets where FerretDB would scan every membership) and the names from the
people directory's cards.

A MembershipChanged "joined" or "left" (from any replica) drops the room's list at once; a
display name changed elsewhere is picked up within ``cache_seconds``. A list being read when
its room changes is not kept (the next post reads it again).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from chat_svc.events import MembershipChanged
from chat_svc.models.memberships import select_member_ids
from chat_svc.people_directory.person_lookup import active_names

Members = tuple[tuple[str, str], ...]  # (user_id, display_name), by display name
# A list as kept: until when, the members, their ids as a set (the push sender's lookups).
Kept = tuple[float, Members, frozenset[str]]
CACHE_PRUNE_THRESHOLD = 10_000


@dataclass
class RoomMembers:
    cache_seconds: float = 300.0
    # The store's (room, user_id) index, or member_index/ on a store that serves none.
    member_ids: Callable[[str], Awaitable[list[str]]] = select_member_ids
    _lists: dict[str, Kept] = field(default_factory=dict)
    _generations: dict[str, int] = field(default_factory=dict)

    async def of(self, room: str) -> Members:
        return (await self._kept(room))[1]

    async def ids_of(self, room: str) -> frozenset[str]:
        """The same members' ids, as a set made once per list."""
        return (await self._kept(room))[2]

    async def _kept(self, room: str) -> Kept:
        cached = self._lists.get(room)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached
        generation = self._generations.get(room, 0)
        names = await active_names(await self.member_ids(room))
        members = tuple(sorted(names.items(), key=lambda member: (member[1].casefold(), member)))
        kept = (now + self.cache_seconds, members, frozenset(names))
        if self._generations.get(room, 0) == generation and self.cache_seconds > 0:
            if len(self._lists) >= CACHE_PRUNE_THRESHOLD:
                self._lists.clear()
            self._lists[room] = kept
        return kept

    def forget(self, room: str) -> None:
        self._lists.pop(room, None)
        self._generations[room] = self._generations.get(room, 0) + 1

    def forget_all(self) -> None:
        """Someone's name or activation changed (profiles/people_names.py): read again."""
        for room in list(self._lists):
            self.forget(room)

    async def on_membership_changed(self, event: MembershipChanged) -> None:
        if event.change != "read":
            self.forget(event.room)
