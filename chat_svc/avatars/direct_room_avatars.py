"""The sidebar's direct rooms show the other person's avatar (their picture, or initials).

A membership knows the other person's name (the title) but not who they are, so the pair
is read from the memberships: once per app for all the direct rooms not yet known (one
query), and kept by the app, since a direct room's pair never changes. A room with one
member (notes to self, or a pair still joining) is asked again after ``ALONE_SECONDS``, and
so is one the database could not answer for (the page is drawn without the avatar). The
avatar is drawn here, as HTML: the sidebar's markup is cached by its entries
(page_skeletons.py), so a new picture (a new URL) makes a new entry."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from pymongo.errors import PyMongoError

from chat_svc.models.memberships import Membership
from chat_svc.models.messages import author_tag
from chat_svc.reads.sidebar import RoomPlace
from chat_svc.web.avatars import avatar

log = logging.getLogger(__name__)

ALONE_SECONDS = 60.0
ROOMS_KEPT = 50_000


@dataclass
class DirectRoomAvatars:
    """One per app (on reads/room_snapshot.py's ``RoomSnapshots``): what it learned ends with
    the app, so a restarted app (or a test's fresh database) never sees another's rooms."""

    _pairs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # room -> members, for good
    # room -> (asked again after, members)
    _alone: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)
    # Many streams opening at once share one read.
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _known(self, room: str, now: float) -> tuple[str, ...] | None:
        if room in self._pairs:
            return self._pairs[room]
        alone = self._alone.get(room)
        return alone[1] if alone is not None and alone[0] > now else None

    async def _read_members(self, rooms: list[str], now: float) -> None:
        found: dict[str, list[str]] = {room: [] for room in rooms}
        try:
            rows = Membership.get_pymongo_collection().find(
                {"room": {"$in": rooms}}, {"room": 1, "user_id": 1, "_id": 0}
            )
            async for row in rows:
                found[str(row["room"])].append(str(row["user_id"]))
        except PyMongoError as error:  # the page comes from Redis: drawn without these avatars
            log.warning("direct rooms' avatars left out: %s", error)
            found = {room: [] for room in rooms}
        if len(self._pairs) + len(self._alone) + len(found) > ROOMS_KEPT:
            self._pairs.clear()
            self._alone.clear()
        for room, members in found.items():
            if len(members) >= 2:
                self._pairs[room] = tuple(members)
                self._alone.pop(room, None)
            else:
                self._alone[room] = (now + ALONE_SECONDS, tuple(members))

    async def of(self, user_id: str, places: Iterable[RoomPlace]) -> dict[str, str]:
        """The avatar of the other person of each of ``user_id``'s direct rooms, by room
        (none for a room with nobody else)."""
        direct = {place.room: place.title for place in places if place.kind == "direct"}
        now = time.monotonic()
        if any(self._known(room, now) is None for room in direct):
            async with self._lock:
                missing = [room for room in direct if self._known(room, now) is None]
                if missing:
                    await self._read_members(missing, now)
        avatars: dict[str, str] = {}
        for room, title in direct.items():
            others = [member for member in self._known(room, now) or () if member != user_id]
            if others:
                avatars[room] = avatar(title, author_tag(others[0]), "small", others[0])
        return avatars
