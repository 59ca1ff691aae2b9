"""What an administrator does to a room, in the store, in each member's copy in Redis and
on every replica.

Titles and "hidden" live in each membership and in each member's Redis hash
(reads/person_rooms.py): a rename rewrites the titles; an archive hides the room from every
member's sidebar as a direct room is hidden, and a restore shows it again; a delete makes
every member leave (MembershipChanged: their streams and sidebars drop it), then removes
the messages and the room's Redis keys. Each change sends a RoomChanged so every replica
drops the room it keeps in memory (room_hints.py); it is published durably (CHAT_EVENTS), so
the search index and the files worker take a deleted room's entries and files away in the
stream's order, after its last posts (search/indexer.py, files/processing/file_worker.py)."""

from __future__ import annotations

import logging
from typing import Literal

from nats.js import JetStreamContext
from pymongo.errors import DuplicateKeyError, OperationFailure
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.actions.membership_changes import Memberships
from chat_svc.actions.message_ids import sequence_key
from chat_svc.actions.room_names import name_key
from chat_svc.events import RoomChanged
from chat_svc.models.memberships import Membership
from chat_svc.models.messages import ChatMessage
from chat_svc.models.rooms import Room, select_room_by_name_key
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.room_access import RoomAccess
from chat_svc.reads.sidebar import place_of
from service_kit.messaging.jetstream import publish_event

log = logging.getLogger(__name__)

Change = Literal["renamed", "archived", "restored", "deleted"]


class NameTakenError(Exception):
    """Another open room has this name (ignoring case)."""


async def announce(js: JetStreamContext, access: RoomAccess, room: str, change: Change) -> None:
    access.forget_room(room)  # this replica at once
    await publish_event(js, RoomChanged(room=room, change=change))


async def _copy_members(people: PersonRooms, room: str) -> None:
    """Each member's Redis copy of the membership as the store now has it."""
    for membership in await Membership.find({"room": room}).to_list():
        try:
            await people.hidden(membership.user_id, place_of(membership), membership.hidden)
        except (RedisError, OSError) as error:  # the copy's next rebuild brings it
            log.warning("room change not cached: %s", error, extra={"room": room})


async def rename(room: Room, name: str, people: PersonRooms) -> None:
    """Raises ``NameTakenError``. A closed room's key is its slug, so only an open room's
    new name can clash (the unique index decides)."""
    fields: dict[str, str] = {"name": name}
    if room.kind == "open":
        fields["name_key"] = name_key(name)
        namesake = await select_room_by_name_key(fields["name_key"])
        if namesake is not None and namesake.slug != room.slug:
            raise NameTakenError(name)
    try:
        await Room.get_pymongo_collection().update_one({"slug": room.slug}, {"$set": fields})
    except OperationFailure as error:  # the same name taken meanwhile
        # FerretDB reports a unique index's refusal of an update as an internal error.
        if isinstance(error, DuplicateKeyError) or "UNIQUE constraint" in str(error):
            raise NameTakenError(name) from error
        raise
    await Membership.get_pymongo_collection().update_many(
        {"room": room.slug}, {"$set": {"title": name}}
    )
    await _copy_members(people, room.slug)


async def set_archived(
    js: JetStreamContext, access: RoomAccess, room: Room, archived: bool, memberships: Memberships
) -> None:
    """The room refuses posts on every replica first (the hint), then each member hides it
    as a direct room is hidden: read up to now, so no news brings it back while archived."""
    await Room.get_pymongo_collection().update_one(
        {"slug": room.slug}, {"$set": {"archived": archived}}
    )
    await announce(js, access, room.slug, "archived" if archived else "restored")
    for membership in await Membership.find({"room": room.slug}).to_list():
        place = place_of(membership)
        if archived:
            await memberships.hide(place, membership.user_id)
        else:
            await memberships.show(place, membership.user_id)
    # Again once every member's copy says so: open sidebars redraw with the room hidden or
    # back (live_room_changes.py).
    await announce(js, access, room.slug, "archived" if archived else "restored")


async def delete(room: Room, memberships: Memberships, redis: Redis) -> None:
    """The room first (nobody joins it meanwhile), then its members, then its messages
    and their copies in Redis. Its id sequence stays: a new room that takes the slug again
    never reuses an id a replica still has markup or a client a Last-Event-ID for."""
    await Room.get_pymongo_collection().delete_one({"slug": room.slug})
    members = await Membership.find({"room": room.slug}).to_list()
    for membership in members:
        await memberships.leave(room.slug, membership.user_id)
    await ChatMessage.get_pymongo_collection().delete_many({"room": room.slug})
    kept = sequence_key(room.slug).encode()
    # Slugs are [a-z0-9-] (room_names.SLUG_PATTERN): no glob characters in the pattern.
    stale = [key async for key in redis.scan_iter(match=f"chat:room:{room.slug}:*") if key != kept]
    if stale:
        await redis.delete(*stale)
