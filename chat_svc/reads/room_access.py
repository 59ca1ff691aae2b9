"""Who may see which room, checked on every request and cached like the session.

Rooms never change kind or slug, so a found room is kept (the last ``ROOMS_KEPT`` asked
for) until a RoomChanged event (a rename, archive or deletion); a missing one is
remembered too (``cache_seconds``, or until its first member joins): answered from
memory like a found one, a 404 takes as long for a missing room as for a hidden one.
Membership answers are kept ``cache_seconds`` and dropped at once by a
MembershipChanged event (from any replica);
a miss reads the person's rooms from Redis (reads/person_rooms.py), not the database.
An open room is visible to everyone; a closed or direct room only to its members, and to
anyone else it looks exactly like a room that does not exist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from async_lru import alru_cache

from chat_svc.events import MembershipChanged
from chat_svc.models.rooms import Room, select_room
from chat_svc.reads.person_rooms import PersonRooms

CACHE_PRUNE_THRESHOLD = 10_000
ROOMS_KEPT = 10_000


class _NoSuchRoomError(LookupError):
    """Raised rather than returned: alru_cache keeps answers, never errors."""


@dataclass
class RoomAccess:
    cache_seconds: float
    people: PersonRooms
    _missing: dict[str, float] = field(default_factory=dict)  # slug -> remembered until
    _members: dict[tuple[str, str], tuple[float, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Many requests for one room at once (streams reopening) share one read.
        self._found_rooms = alru_cache(maxsize=ROOMS_KEPT)(self._read_room)

    async def room(self, slug: str) -> Room | None:
        if self._missing and self._missing.get(slug, 0.0) > time.monotonic():
            return None
        try:
            return await self._found_rooms(slug)
        except _NoSuchRoomError:
            self._remember_missing(slug)
            return None

    def _remember_missing(self, slug: str) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._missing) >= CACHE_PRUNE_THRESHOLD:
            self._missing.clear()
        self._missing[slug] = time.monotonic() + self.cache_seconds

    async def _read_room(self, slug: str) -> Room:
        room = await select_room(slug)
        if room is None:
            raise _NoSuchRoomError(slug)
        return room

    async def is_member(self, user_id: str, slug: str) -> bool:
        key = (user_id, slug)
        cached = self._members.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        member = slug in (await self.people.copy_of(user_id)).places
        self.remember(user_id, slug, member)
        return member

    async def visible_room(self, user_id: str, slug: str) -> tuple[Room, bool] | None:
        """The room and whether this person is a member, or None when it is unknown or
        hidden from them (callers answer both with the same 404)."""
        room = await self.room(slug)
        # The same reads for a missing room as for a hidden one: the time tells nothing.
        member = await self.is_member(user_id, slug)
        if room is None or (not member and room.kind != "open"):
            return None
        return room, member

    def remember(self, user_id: str, slug: str, member: bool) -> None:
        if member:
            self._missing.pop(slug, None)  # a room with a member exists (just created)
        if self.cache_seconds <= 0:
            return
        if len(self._members) >= CACHE_PRUNE_THRESHOLD:
            now = time.monotonic()
            self._members = {k: v for k, v in self._members.items() if v[0] > now}
        self._members[(user_id, slug)] = (time.monotonic() + self.cache_seconds, member)

    def forget_room(self, slug: str) -> None:
        """Renamed, archived, restored or deleted (a RoomChanged event, from any replica)."""
        self._found_rooms.cache_invalidate(slug)
        self._missing.pop(slug, None)

    async def forget_rooms(self) -> None:
        """After a NATS reconnect: RoomChanged hints may have been missed meanwhile."""
        self._found_rooms.cache_clear()

    def forget(self, user_id: str, slug: str) -> None:
        self._members.pop((user_id, slug), None)

    async def on_membership_changed(self, event: MembershipChanged) -> None:
        self._missing.pop(event.room, None)  # a new room's creator joins it first
        if event.change != "read":
            self.forget(event.user_id, event.room)
