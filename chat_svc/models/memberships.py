"""Who is in which room, and each person's place in it.

A membership carries what the sidebar needs without reading the room: its ``title`` from
this person's side (a direct room is titled with the other person's name) and ``kind``;
``last_read_message_id`` (what the unread count starts from), ``opened_at`` (where
``GET /`` goes back to) and ``hidden`` (a direct room is never left, only hidden from the
sidebar until its next unread message or its next opening) and ``notification_level``
(chat_svc/push/levels.py: None is the default for the room's kind).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from beanie import Document
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from chat_svc.models.aggregation import aggregate
from chat_svc.models.rooms import RoomKind

NotificationLevel = Literal["everything", "mentions", "nothing"]


class Membership(Document):
    room: str
    user_id: str
    title: str
    kind: RoomKind
    last_read_message_id: int = 0
    joined_at: datetime
    opened_at: datetime | None = None
    hidden: bool = False
    notification_level: NotificationLevel | None = None

    class Settings:
        name = "memberships"
        indexes = [
            IndexModel([("room", ASCENDING), ("user_id", ASCENDING)], unique=True),
            IndexModel([("user_id", ASCENDING), ("opened_at", DESCENDING)]),
        ]


async def upsert_membership(
    room: str, user_id: str, title: str, kind: RoomKind, read_up_to: int
) -> bool:
    """Idempotent; True when the person was not a member before. Unread starts after
    ``read_up_to`` (a newcomer sees the history, but is not told it is all new)."""
    try:
        result = await Membership.get_pymongo_collection().update_one(
            {"room": room, "user_id": user_id},
            {
                "$setOnInsert": {
                    "title": title,
                    "kind": kind,
                    "last_read_message_id": read_up_to,
                    "joined_at": datetime.now(UTC),
                    "opened_at": None,
                }
            },
            upsert=True,
        )
    except DuplicateKeyError:  # the same person joined at the same moment elsewhere
        return False
    return result.upserted_id is not None


async def delete_membership(room: str, user_id: str) -> bool:
    result = await Membership.get_pymongo_collection().delete_one(
        {"room": room, "user_id": user_id}
    )
    return bool(result.deleted_count)


async def mark_room_hidden(room: str, user_id: str, hidden: bool, read_up_to: int) -> None:
    """Hidden or shown again; hiding also reads the room (only news brings it back)."""
    await Membership.get_pymongo_collection().update_one(
        {"room": room, "user_id": user_id},
        {"$set": {"hidden": hidden}, "$max": {"last_read_message_id": read_up_to}},
    )


async def select_membership(room: str, user_id: str) -> Membership | None:
    return await Membership.find_one(Membership.room == room, Membership.user_id == user_id)


async def select_memberships_of(user_id: str) -> list[Membership]:
    return await Membership.find(Membership.user_id == user_id).to_list()


async def select_memberships_of_people(user_ids: list[str]) -> list[Membership]:
    """Built without validation (our own documents): a thousand people's rooms at once
    (the push sender's copies, reads/person_rooms.py) spent longer validating than reading."""
    rows = Membership.get_pymongo_collection().find({"user_id": {"$in": user_ids}}, {"_id": 0})
    return [Membership.model_construct(**row) async for row in rows]


async def select_member_ids(room: str) -> list[str]:
    rows = Membership.get_pymongo_collection().find({"room": room}, {"user_id": 1, "_id": 0})
    return [str(row["user_id"]) async for row in rows]


async def mark_room_opened(room: str, user_id: str, read_up_to: int) -> None:
    """One write: the read position only ever moves forward (two tabs, two replicas)."""
    await Membership.get_pymongo_collection().update_one(
        {"room": room, "user_id": user_id},
        {"$max": {"last_read_message_id": read_up_to}, "$set": {"opened_at": datetime.now(UTC)}},
    )


async def mark_room_read(room: str, user_id: str, read_up_to: int) -> None:
    await Membership.get_pymongo_collection().update_one(
        {"room": room, "user_id": user_id},
        {"$max": {"last_read_message_id": read_up_to}},
    )


async def select_memberships_in(
    pairs: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], Membership]:
    """The memberships of these (room, user id) pairs that exist, in one read."""
    users_by_room: dict[str, set[str]] = {}
    for room, user_id in pairs:
        users_by_room.setdefault(room, set()).add(user_id)
    if not users_by_room:
        return {}
    query = {
        "$or": [
            {"room": room, "user_id": {"$in": sorted(users)}}
            for room, users in users_by_room.items()
        ]
    }
    found = await Membership.find(query).to_list()
    return {(m.room, m.user_id): m for m in found}


async def count_members(rooms: Iterable[str]) -> dict[str, int]:
    pipeline: list[dict[str, Any]] = [
        {"$match": {"room": {"$in": list(rooms)}}},
        {"$group": {"_id": "$room", "members": {"$sum": 1}}},
    ]
    rows = await aggregate(Membership, pipeline)
    return {str(row["_id"]): int(row["members"]) for row in rows}
