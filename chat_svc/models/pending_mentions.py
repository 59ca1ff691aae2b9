"""Mentions that may still be mailed: one document per (person, message), written when the
message is posted and deleted once mailed, read or no longer mailable.

The scan (notifications/mention_digests.py) reads the whole collection: FerretDB answers
any filtered read by scanning anyway (service_kit/storage/store_compat.py, 4.), so the collection
is kept small by deleting every entry that is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from beanie import Document
from pymongo.errors import DuplicateKeyError


class PendingMention(Document):
    id: str  # type: ignore[assignment]  # "<user_id>:<room>:<message_id>": one per person and message
    user_id: str
    room: str
    message_id: int
    mentioned_at: datetime

    class Settings:
        name = "pending_mentions"


def pending_key(user_id: str, room: str, message_id: int) -> str:
    return f"{user_id}:{room}:{message_id}"


async def insert_pending_mentions(
    room: str, message_id: int, user_ids: Iterable[str], mentioned_at: datetime
) -> None:
    """Idempotent: the same mention recorded twice stays one entry."""
    collection = PendingMention.get_pymongo_collection()
    for user_id in user_ids:
        try:
            await collection.insert_one(
                {
                    "_id": pending_key(user_id, room, message_id),
                    "user_id": user_id,
                    "room": room,
                    "message_id": message_id,
                    "mentioned_at": mentioned_at,
                }
            )
        except DuplicateKeyError:
            continue


async def select_pending_mentions() -> list[PendingMention]:
    return await PendingMention.find_all().to_list()


async def delete_pending_mentions(keys: Iterable[str]) -> None:
    wanted = list(keys)
    if wanted:
        await PendingMention.get_pymongo_collection().delete_many({"_id": {"$in": wanted}})
