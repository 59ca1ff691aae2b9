"""Direct conversations: one room per pair of people, the same from either side.

Its slug is random (a slug derived from the pair's ids let anyone who knew two ids find the
room and, by the time a 404 took, learn who talks to whom). The pair is found through the
room's unique name key instead, so two people opening it at the same moment (on two
replicas) meet in one room: the unique key lets only one insert win. Rooms opened before
had the pair's hash as slug, which is also their name key: they keep working. A
conversation with yourself is allowed: a notes-to-self room with one member.
"""

from __future__ import annotations

import hashlib

from nats.aio.client import Client as NATS

from chat_svc.actions.membership_changes import join_room
from chat_svc.actions.message_ids import start_new_room
from chat_svc.actions.room_names import DIRECT_PREFIX, hidden_slug
from chat_svc.auth.auth_client import Viewer
from chat_svc.models.rooms import (
    NameTakenError,
    Room,
    SlugTakenError,
    insert_room,
    select_room_by_name_key,
)
from chat_svc.models.users import ChatUser
from chat_svc.reads.room_access import RoomAccess

NOTES_TO_SELF = "Notes to self"


def direct_slug(user_id: str, other_user_id: str) -> str:
    """The slug direct rooms had before slugs were random; now only their pair's key."""
    pair = "\n".join(sorted((user_id, other_user_id)))
    return DIRECT_PREFIX + hashlib.sha256(pair.encode()).hexdigest()[:24]


def pair_key(user_id: str, other_user_id: str) -> str:
    # The newline keeps this name key out of reach of any typed room name.
    return f"direct\n{direct_slug(user_id, other_user_id)}"


async def open_direct_room(nats: NATS, access: RoomAccess, me: Viewer, other: ChatUser) -> Room:
    key = pair_key(me.user_id, other.user_id)
    room = await select_room_by_name_key(key)
    if room is None:
        try:
            room = await insert_room(
                hidden_slug(DIRECT_PREFIX), "direct", key, "direct", me.user_id
            )
            await start_new_room(access.people.redis, room.slug)
        except (NameTakenError, SlugTakenError):
            room = await select_room_by_name_key(key)  # the other person opened it just now
            assert room is not None
    if other.user_id == me.user_id:
        await join_room(nats, access, room, me.user_id, NOTES_TO_SELF)
    else:
        await join_room(nats, access, room, me.user_id, other.display_name)
        await join_room(nats, access, room, other.user_id, me.display_name)
    return room


class DirectRooms:
    """``open_direct_room`` with its NATS client and caches (built once at start-up)."""

    def __init__(self, nats: NATS, access: RoomAccess) -> None:
        self._nats = nats
        self._access = access

    async def open(self, me: Viewer, other: ChatUser) -> Room:
        return await open_direct_room(self._nats, self._access, me, other)
