"""Joining, leaving and reading rooms: the store first, then the person's rooms in Redis
(reads/person_rooms.py, what the pages read), then every replica is told.

The MembershipChanged hint goes over core NATS: no round trip on the request, and a replica
that misses it (while reconnecting) closes all its streams anyway, while its cached answers
expire within ``token_cache_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nats.aio.client import Client as NATS
from redis.exceptions import RedisError

from chat_svc.actions.message_ids import newest_id_so_far
from chat_svc.events import MembershipChanged
from chat_svc.member_index.member_sets import member_set_changed
from chat_svc.models.memberships import (
    delete_membership,
    mark_room_hidden,
    mark_room_opened,
    mark_room_read,
    upsert_membership,
)
from chat_svc.models.messages import GENERAL
from chat_svc.models.rooms import Room
from chat_svc.reads.member_counts import MemberCounts
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.room_access import RoomAccess
from chat_svc.reads.sidebar import RoomPlace
from chat_svc.stream_storms.read_position_writer import ReadPositionWriter
from service_kit.serving.web import run_after_response

log = logging.getLogger(__name__)


async def publish_change(nats: NATS, event: MembershipChanged) -> None:
    try:
        await nats.publish(MembershipChanged.SUBJECT, event.to_bytes())
    except Exception as error:  # the store has it; caches expire on their own
        log.warning("membership change not published: %s", error, extra={"room": event.room})


async def join_room(nats: NATS, access: RoomAccess, room: Room, user_id: str, title: str) -> bool:
    """Idempotent; True when the person was not a member yet. Unread starts from now."""
    read_up_to = await newest_id_so_far(access.people.redis, room.slug)
    joined = await upsert_membership(room.slug, user_id, title, room.kind, read_up_to)
    try:
        await access.people.joined(user_id, room.slug, title, room.kind, read_up_to)
    except (RedisError, OSError) as error:  # the copy's next rebuild brings it in
        log.warning("membership not cached: %s", error, extra={"room": room.slug})
    access.remember(user_id, room.slug, True)
    await member_set_changed(access.people.redis, room.slug, user_id, joined=True)
    if joined:
        await MemberCounts(access.people.redis).changed(room.slug, +1)
        await publish_change(
            nats,
            MembershipChanged(
                user_id=user_id,
                room=room.slug,
                change="joined",
                last_read_message_id=read_up_to,
            ),
        )
        log.info("joined room", extra={"room": room.slug, "user_id": user_id})
    return joined


async def join_general(nats: NATS, access: RoomAccess, user_id: str) -> None:
    """Every account is a member of general (a new user's counts start from now)."""
    room = await access.room(GENERAL)
    if room is not None:
        await join_room(nats, access, room, user_id, room.name)


async def leave_room(nats: NATS, access: RoomAccess, room: str, user_id: str) -> bool:
    left = await delete_membership(room, user_id)
    # Also when the store had it gone already: a retry after Redis failed here must finish.
    await access.people.left(user_id, room)
    access.remember(user_id, room, False)
    await member_set_changed(access.people.redis, room, user_id, joined=False)
    if left:
        await MemberCounts(access.people.redis).changed(room, -1)
        await publish_change(nats, MembershipChanged(user_id=user_id, room=room, change="left"))
        log.info("left room", extra={"room": room, "user_id": user_id})
    return left


async def hide_room(nats: NATS, access: RoomAccess, place: RoomPlace, user_id: str) -> None:
    """A direct room is hidden, never left: read up to now and out of the sidebar until
    the other person writes again (reads/sidebar.py), so their replies are never lost."""
    read_up_to = await newest_id_so_far(access.people.redis, place.room)  # no scan
    await mark_room_hidden(place.room, user_id, True, read_up_to)
    await _hidden_in_redis(access.people, place, user_id, True)
    await _read_in_redis(access.people, place.room, user_id, read_up_to, opened=False)
    await publish_change(
        nats,
        MembershipChanged(
            user_id=user_id, room=place.room, change="read", last_read_message_id=read_up_to
        ),
    )


async def show_room(access: RoomAccess, place: RoomPlace, user_id: str) -> None:
    """The person opened a hidden direct room: it stays in the sidebar from now on."""
    await mark_room_hidden(place.room, user_id, False, place.last_read_message_id)
    await _hidden_in_redis(access.people, place, user_id, False)


async def _hidden_in_redis(
    people: PersonRooms, place: RoomPlace, user_id: str, hidden: bool
) -> None:
    try:
        await people.hidden(user_id, place, hidden)
    except (RedisError, OSError) as error:  # the copy's next rebuild reads the store
        log.warning("hidden room not cached: %s", error, extra={"room": place.room})


async def open_room(
    nats: NATS,
    people: PersonRooms,
    room: str,
    user_id: str,
    read_up_to: int,
    *,
    later: Callable[..., None] = run_after_response,
) -> None:
    """The person opened the room: read up to its newest message, and it is where ``GET /``
    goes back to. Their other tabs' sidebars drop the count.

    Redis (what the next page reads) is written now; the store and the other tabs after
    the answer is sent (``later``): nothing on this page depends on them."""
    await _read_in_redis(people, room, user_id, read_up_to, opened=True)
    later(_store_opened_room, nats, room, user_id, read_up_to)


async def _store_opened_room(nats: NATS, room: str, user_id: str, read_up_to: int) -> None:
    try:
        await mark_room_opened(room, user_id, read_up_to)
    except Exception as error:  # the next opening of the room writes it again
        log.warning("opened room not stored: %s", error, extra={"room": room})
        return
    await publish_change(
        nats,
        MembershipChanged(
            user_id=user_id, room=room, change="read", last_read_message_id=read_up_to
        ),
    )


async def read_room(
    nats: NATS,
    people: PersonRooms,
    room: str,
    user_id: str,
    read_up_to: int,
    positions: ReadPositionWriter | None = None,
) -> None:
    """A stream of the room ends: what it showed was read. With ``positions`` the store
    gets it in the writer's next batch (stream_storms/), not in a write of its own."""
    if positions is None:
        await mark_room_read(room, user_id, read_up_to)
    else:
        positions.note(room, user_id, read_up_to)
    cached = await _read_in_redis(people, room, user_id, read_up_to, opened=False)
    if not cached and positions is not None:
        positions.recache(room, user_id, read_up_to)
    await publish_change(
        nats,
        MembershipChanged(
            user_id=user_id, room=room, change="read", last_read_message_id=read_up_to
        ),
    )


async def _read_in_redis(
    people: PersonRooms, room: str, user_id: str, read_up_to: int, *, opened: bool
) -> bool:
    try:
        await people.read(user_id, room, read_up_to, opened=opened)
    except (RedisError, OSError) as error:  # counts stay higher until the next read
        log.warning("read position not cached: %s", error, extra={"room": room})
        return False
    return True


class Memberships:
    """Joining, leaving, opening and reading rooms, with the NATS client the hints go out
    on and the caches they update (built once at start-up)."""

    def __init__(
        self, nats: NATS, access: RoomAccess, positions: ReadPositionWriter | None = None
    ) -> None:
        self._nats = nats
        self._access = access
        self._positions = positions

    async def join(self, room: Room, user_id: str, title: str) -> bool:
        return await join_room(self._nats, self._access, room, user_id, title)

    async def join_general(self, user_id: str) -> None:
        await join_general(self._nats, self._access, user_id)

    async def leave(self, room: str, user_id: str) -> bool:
        return await leave_room(self._nats, self._access, room, user_id)

    async def hide(self, place: RoomPlace, user_id: str) -> None:
        await hide_room(self._nats, self._access, place, user_id)

    async def show(self, place: RoomPlace, user_id: str) -> None:
        await show_room(self._access, place, user_id)

    async def open(
        self, room: str, user_id: str, read_up_to: int, *, later: Callable[..., None]
    ) -> None:
        await open_room(self._nats, self._access.people, room, user_id, read_up_to, later=later)

    async def read(self, room: str, user_id: str, read_up_to: int) -> None:
        await read_room(self._nats, self._access.people, room, user_id, read_up_to, self._positions)
