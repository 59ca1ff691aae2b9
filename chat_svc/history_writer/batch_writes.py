"""One fetched batch of CHAT_EVENTS written to the database, in stream order.

Consecutive posts go in one ``insert_many(ordered=False)``; a duplicate (a redelivery, a
replay, another replica's copy of the batch) is success, since (room, message_id) is unique.
Edits and deletions follow in sequence, each applied only over an older version
(``event_id``), so two replicas that write a reordered pair still leave the newer one. A
change whose message is not stored yet carries the whole message: it is inserted as it is
now, and the post's own insert later is a duplicate. Every write is idempotent, so a batch
that failed halfway is simply written again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from chat_svc.events import MessageChanged, MessagePosted, RoomChanged
from chat_svc.models.messages import ChatMessage, document_of, record_of
from service_kit.events import Event

DUPLICATE_KEY = 11000
# Counted by the store itself ($inc when a reply is posted): a change never writes it back.
KEPT_IN_STORE = ("reply_count",)


async def write_batch(events: Sequence[Event]) -> None:
    """Raises what the database raises; nothing partial needs undoing (see above)."""
    posts: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, MessagePosted):
            posts.append(document_of(record_of(event)))
            continue
        await insert_posts(posts)
        posts = []
        if isinstance(event, MessageChanged):
            await apply_change(event)
        elif isinstance(event, RoomChanged) and event.change == "deleted":
            # After the room's last posts in the stream: none of them comes back.
            await ChatMessage.get_pymongo_collection().delete_many({"room": event.room})
    await insert_posts(posts)


async def insert_posts(documents: list[dict[str, Any]]) -> None:
    if not documents:
        return
    collection = ChatMessage.get_pymongo_collection()
    try:
        await collection.insert_many(documents, ordered=False)
        duplicates: set[int] = set()
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if error.details.get("writeConcernErrors") or any(
            e["code"] != DUPLICATE_KEY for e in errors
        ):
            raise
        duplicates = {int(e["index"]) for e in errors}
    # A reply newly stored counts on its original ($inc once: a duplicate is not counted; a
    # crash right here loses one count, never doubles it). The cache counted it at the post.
    for index, document in enumerate(documents):
        reply = document.get("reply")
        if reply and index not in duplicates:
            await collection.update_one(
                {"room": document["room"], "message_id": reply["message_id"]},
                {"$inc": {"reply_count": 1}},
            )


async def apply_change(event: MessageChanged) -> None:
    collection = ChatMessage.get_pymongo_collection()
    document = document_of(record_of(event))
    key = {"room": event.room, "message_id": event.message_id}
    older = {"$or": [{"event_id": None}, {"event_id": {"$lt": event.event_id}}]}
    change = {k: v for k, v in document.items() if k not in (*key, *KEPT_IN_STORE)}
    for _ in range(2):  # the post may be inserted between the two steps
        if (await collection.update_one(key | older, {"$set": change})).matched_count:
            return
        if await collection.find_one(key, {"_id": 1}) is not None:
            return  # this version or a newer one is stored already
        try:
            await collection.insert_one(document)
        except DuplicateKeyError:
            continue
        return
