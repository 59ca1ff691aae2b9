"""Rooms: open (anyone may join), closed (members add members) and direct (two people).

A room's slug is permanent (a rename changes only its name), so it is the room's key everywhere:
messages, memberships, Redis keys and NATS subjects. ``name_key`` is unique: an open room's
lower-cased name (two open rooms never differ only in case), a closed room's own slug
(actions/room_names.py), a direct room's pair (actions/direct_rooms.py).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Literal

from beanie import Document, Indexed
from pymongo.errors import DuplicateKeyError

from chat_svc.models.messages import GENERAL

RoomKind = Literal["open", "closed", "direct"]


class Room(Document):
    slug: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str
    name_key: Indexed(str, unique=True)  # type: ignore[valid-type]
    kind: RoomKind
    created_by: str
    created_at: datetime
    # Read-only and unlisted, restorable (chat_svc/room_administration/).
    archived: bool = False

    class Settings:
        name = "rooms"


class NameTakenError(Exception):
    """Another room already has this name (ignoring case)."""


class SlugTakenError(Exception):
    """Another room already has this slug (the caller tries the next suffix)."""


async def upsert_general_room() -> None:
    """Every replica runs this at start-up; the unique slug keeps it one room."""
    # DuplicateKeyError: another replica inserted it at the same moment.
    with contextlib.suppress(DuplicateKeyError):
        await Room.get_pymongo_collection().update_one(
            {"slug": GENERAL},
            {
                "$setOnInsert": {
                    "name": "general",
                    "name_key": "general",
                    "kind": "open",
                    "created_by": "",
                    "created_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )


async def insert_room(slug: str, name: str, name_key: str, kind: RoomKind, created_by: str) -> Room:
    """Raises ``NameTakenError`` or ``SlugTakenError`` (the unique indexes decide, so two
    replicas racing for one name cannot both win)."""
    room = Room(
        slug=slug,
        name=name,
        name_key=name_key,
        kind=kind,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    try:
        await room.insert()
    except DuplicateKeyError as error:
        if await Room.find_one(Room.name_key == name_key) is not None:
            raise NameTakenError(name) from error
        raise SlugTakenError(slug) from error
    return room


async def select_room(slug: str) -> Room | None:
    return await Room.find_one(Room.slug == slug)


async def select_room_by_name_key(name_key: str) -> Room | None:
    return await Room.find_one(Room.name_key == name_key)


async def rekey_room(slug: str, name_key: str) -> None:
    await Room.get_pymongo_collection().update_one({"slug": slug}, {"$set": {"name_key": name_key}})


async def select_open_rooms() -> list[Room]:
    listed = {"kind": "open", "archived": {"$ne": True}}
    return await Room.find(listed).sort(+Room.name_key).to_list()
