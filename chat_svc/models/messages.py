"""Messages in the store (the source of truth), each in one room, ordered by an id that
counts up within its room (one counter per room: consecutive ids let every replica release
a room's live messages in order, and make resumes exact)."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pymongo
from beanie import Document
from pydantic import ConfigDict
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import OperationFailure

from chat_svc.events import MessageChanged, MessagePosted
from chat_svc.models.message_shape import GENERAL as GENERAL  # where chat_svc imports it
from chat_svc.models.message_shape import AttachedFile, MessageFields, PostedFields, ReplyQuote
from service_kit.events import Event
from service_kit.storage.store_compat import count_and_newest, is_ferretdb

# A pass over the whole collection (a migration, a rebuild of the history index) gets its
# own deadline: on FerretDB it outlasts the 5 s socket timeout from about 80,000 messages.
ONE_PASS_SECONDS = 3600.0


class ChatMessage(MessageFields, Document):
    class Settings:
        name = "messages"
        # Pages, resumes and unread counts all read one room by id range.
        indexes = [
            IndexModel([("room", ASCENDING), ("message_id", ASCENDING)], unique=True),
            # The newest change of a room, and the changes since an id (resumes, rebuilds).
            IndexModel([("room", ASCENDING), ("event_id", ASCENDING)]),
        ]


class MessageRecord(MessageFields):
    """A message as the page, the Redis cache and the live stream see it."""

    model_config = ConfigDict(frozen=True)

    @property
    def author_handle(self) -> str:
        return account_handle(self.author_id)

    @property
    def author_tag(self) -> str:
        """Tells the page's script which messages are the viewer's own (controls only; the
        server decides), without putting account ids on the page."""
        return author_tag(self.author_id)

    @property
    def mention_tags(self) -> str:
        """The mentioned people as the page knows them (``data-mentions``): author tags,
        never account ids; the page's script compares them with its viewer's."""
        return " ".join(author_tag(user_id) for user_id in self.mentions)

    def mentions_user(self, user_id: str) -> bool:
        return user_id in self.mentions

    @property
    def stream_id(self) -> int:
        """The id of the newest event about this message: its post, edit or deletion."""
        return self.event_id or self.message_id


def record_of(source: PostedFields) -> MessageRecord:
    """The message a stored document or a posted or changed event carries (a post has no
    change fields: their defaults). The record ignores what is not a message field (the
    document's id, the event's own id and time). Validating the source's ``__dict__`` is
    the quickest of pydantic's ways: 1.5-2 us, against 2-2.5 us for the keyword arguments
    it replaced and 4-8 us for ``model_construct`` or ``from_attributes``."""
    return MessageRecord.model_validate(source.__dict__)


MessageEvent = TypeVar("MessageEvent", MessagePosted, MessageChanged)


def event_of(message: MessageRecord, kind: type[MessageEvent]) -> MessageEvent:
    """The ``kind`` event about ``message`` (a change needs its event id and time)."""
    own = set(kind.model_fields) - set(Event.model_fields)
    return kind.model_validate(message.model_dump(include=own))


def account_handle(user_id: str) -> str:
    """A short tag that stays the same for one account and differs between two people who
    chose the same display name ("Alice 3f2a", "Alice b71c", shown as a small muted code:
    never "#3f2a", which reads like a channel's name). Derived from the account id, so it
    reveals nothing (unlike the e-mail address)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:4]


def author_tag(user_id: str) -> str:
    return hashlib.sha256(b"author-tag:" + user_id.encode()).hexdigest()[:16]


async def select_highest_message_id(room: str) -> int:
    found = await ChatMessage.find(ChatMessage.room == room).sort("-message_id").limit(1).to_list()
    return found[0].message_id if found else 0


async def select_highest_event_id(room: str) -> int:
    """The highest id of the room's sequence in the store: a post's, an edit's or a
    deletion's (a sequence seeded from it never hands out an id already delivered)."""
    changed = (
        await ChatMessage.find(ChatMessage.room == room, ChatMessage.event_id != None)  # noqa: E711
        .sort("-event_id")
        .limit(1)
        .to_list()
    )
    highest_change = (changed[0].event_id or 0) if changed else 0
    return max(await select_highest_message_id(room), highest_change)


async def select_message(room: str, message_id: int) -> MessageRecord | None:
    found = await ChatMessage.find_one(
        ChatMessage.room == room, ChatMessage.message_id == message_id
    )
    return record_of(found) if found is not None else None


async def select_messages_in(
    keys: Iterable[tuple[str, int]],
) -> dict[tuple[str, int], MessageRecord]:
    """The messages with these (room, message id) keys that exist, in one read (FerretDB
    scans the collection once per read, whatever the number of keys)."""
    ids_by_room: dict[str, set[int]] = {}
    for room, message_id in keys:
        ids_by_room.setdefault(room, set()).add(message_id)
    if not ids_by_room:
        return {}
    query = {
        "$or": [
            {"room": room, "message_id": {"$in": sorted(ids)}} for room, ids in ids_by_room.items()
        ]
    }
    found = await ChatMessage.find(query).to_list()
    return {(m.room, m.message_id): record_of(m) for m in found}


async def update_message(
    room: str,
    message_id: int,
    *,
    body: str,
    event_id: int,
    edited_at: datetime,
    deleted: bool,
    mentions: Sequence[str] = (),
    removed_by_admin: bool = False,
    body_html: str = "",
) -> MessageRecord | None:
    """A new text (or none, deleted) under a new event id; the caller holds the message's
    edit lock (actions/message_edits.py), so writes to one message never interleave."""
    collection = ChatMessage.get_pymongo_collection()
    # One command, the change and the changed document (a read after it scanned again).
    changed = await collection.find_one_and_update(
        {"room": room, "message_id": message_id},
        {
            "$set": {
                "body": body,
                "event_id": event_id,
                "edited_at": edited_at,
                "deleted": deleted,
                "removed_by_admin": removed_by_admin,
                "mentions": list(mentions),
                "body_html": body_html,
                **({"reactions": []} if deleted else {}),  # they go with the message
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    return MessageRecord.model_validate(changed) if changed is not None else None


async def migrate_messages_into_rooms() -> None:
    """Messages from before rooms belong to general; the old unique index on the id alone
    would refuse the same id in two rooms. Idempotent; a one-off migration
    (models/migrations.py): on FerretDB the filter reads the whole collection, longer than
    the 5 s socket timeout from about 80,000 messages on, hence its own deadline."""
    collection = ChatMessage.get_pymongo_collection()
    with pymongo.timeout(ONE_PASS_SECONDS):
        await collection.update_many({"room": {"$exists": False}}, {"$set": {"room": GENERAL}})
    with contextlib.suppress(OperationFailure, ValueError, KeyError):  # gone, or never there
        await collection.drop_index("message_id_1")


def posting_time() -> datetime:
    """Now, to the millisecond: MongoDB keeps milliseconds, so the cached and stored copies
    of a message are equal."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def insert_message(
    room: str,
    message_id: int,
    author_id: str,
    author_name: str,
    body: str,
    posted_at: datetime | None = None,
    mentions: Sequence[str] = (),
    files: Sequence[AttachedFile] = (),
    body_html: str = "",
    reply: ReplyQuote | None = None,
) -> MessageRecord:
    """Store a new message (``DuplicateKeyError`` when the room's id is taken)."""
    posted_at = posted_at or posting_time()
    record = MessageRecord(
        room=room,
        message_id=message_id,
        author_id=author_id,
        author_name=author_name,
        body=body,
        posted_at=posted_at,
        mentions=tuple(mentions),
        files=tuple(files),
        body_html=body_html,
        reply=reply,
    )
    # Straight to the collection, the document beanie would write: beanie's insert
    # (validation, encoder, state and action hooks) cost 1.3 ms of CPU per post, more than
    # the rest of the POST's own work (docs/performance.md, "The POST, second pass").
    await ChatMessage.get_pymongo_collection().insert_one(document_of(record))
    return record


def document_of(record: MessageRecord) -> dict[str, Any]:
    """``record`` as a ``messages`` document, field for field as ``ChatMessage`` stores it."""
    document = record.model_dump() | {"mentions": list(record.mentions)}
    return document | {"files": [dict(file) for file in document["files"]]}


async def select_latest_messages(room: str, limit: int) -> list[MessageRecord]:
    """The newest ``limit`` messages of ``room``, oldest first."""
    newest = (
        await ChatMessage.find(ChatMessage.room == room).sort("-message_id").limit(limit).to_list()
    )
    return [record_of(document) for document in reversed(newest)]


async def select_messages_before(room: str, before_id: int, limit: int) -> list[MessageRecord]:
    """The ``limit`` messages of ``room`` just older than ``before_id``, oldest first."""
    older = (
        await ChatMessage.find(ChatMessage.room == room, ChatMessage.message_id < before_id)
        .sort("-message_id")
        .limit(limit)
        .to_list()
    )
    return [record_of(document) for document in reversed(older)]


async def select_messages_from(room: str, first_id: int, limit: int) -> list[MessageRecord]:
    """The ``limit`` messages of ``room`` from ``first_id`` on, oldest first."""
    found = (
        await ChatMessage.find(ChatMessage.room == room, ChatMessage.message_id >= first_id)
        .sort("+message_id")
        .limit(limit)
        .to_list()
    )
    return [record_of(document) for document in found]


async def messages_of_rooms_in_batches(
    rooms: Iterable[str], size: int
) -> AsyncIterator[list[MessageRecord]]:
    """Every message of ``rooms``, in batches, in the order the store keeps them: one pass
    however many rooms, no sort (on FerretDB a sort reads the whole collection before the
    first answer). Its own deadline: on FerretDB a batch may wait on a long scan."""
    collection = ChatMessage.get_pymongo_collection()
    with pymongo.timeout(ONE_PASS_SECONDS):
        batch: list[MessageRecord] = []
        async for document in collection.find({"room": {"$in": sorted(rooms)}}, batch_size=size):
            batch.append(MessageRecord.model_validate(document))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


async def select_messages_after(room: str, after_id: int, limit: int) -> list[MessageRecord]:
    """Up to ``limit`` messages of ``room`` posted, edited or deleted after event
    ``after_id``, in event order (each once, as it is now). One query: a resume reads the
    store while posts may be landing, and a shorter read leaves them less room to race."""
    found = (
        await ChatMessage.find(
            {
                "room": room,
                "$or": [{"message_id": {"$gt": after_id}}, {"event_id": {"$gt": after_id}}],
            }
        )
        .sort("+message_id")
        .limit(limit)
        .to_list()
    )
    return sorted((record_of(document) for document in found), key=_stream_order)


def _stream_order(message: MessageRecord) -> int:
    return message.stream_id


async def select_messages_changed_since(room: str, since_id: int) -> list[MessageRecord]:
    """Messages of ``room`` edited or deleted at event ``since_id`` or later."""
    changed = await ChatMessage.find(
        ChatMessage.room == room, {"event_id": {"$gte": since_id}}
    ).to_list()
    return [record_of(document) for document in changed]


@dataclass(frozen=True)
class Unread:
    count: int
    newest: int  # the newest message id counted
    mentions: int = 0  # of the reader, by someone else


async def count_unread_messages(
    read_positions: Mapping[str, int], reader: str | None = None
) -> dict[str, Unread]:
    """Messages after each read position, per room, in one query over the (room,
    message_id) index; with ``reader``, also those that mention them (not their own).
    Deleted messages never count. Rooms with nothing unread are left out."""
    if not read_positions:
        return {}
    match = {
        "$or": [
            {"room": room, "message_id": {"$gt": read_up_to}, "deleted": {"$ne": True}}
            for room, read_up_to in read_positions.items()
        ]
    }
    if reader is not None:
        return await _count_unread_and_mentions(match, reader)
    found = await count_and_newest(ChatMessage, match, "room", "message_id")
    return {room: Unread(count, newest) for room, (count, newest) in found.items()}


async def _count_unread_and_mentions(match: Mapping[str, Any], reader: str) -> dict[str, Unread]:
    """``count_and_newest`` plus a mention count, still one query (store_compat 5.: FerretDB
    groups only with ``$sum``, and a ``$cond`` inside it is not served either, so there the
    matching messages are counted here)."""
    collection = ChatMessage.get_pymongo_collection()
    if await is_ferretdb(collection.database):
        found: dict[str, Unread] = {}
        fields = {"room": 1, "message_id": 1, "author_id": 1, "mentions": 1, "_id": 0}
        async for row in collection.find(match, fields):
            room = str(row["room"])
            known = found.get(room, Unread(0, 0))
            mentioned = reader in (row.get("mentions") or ()) and row["author_id"] != reader
            found[room] = Unread(
                known.count + 1,
                max(known.newest, int(row["message_id"])),
                known.mentions + int(mentioned),
            )
        return found
    mentions_reader = {
        "$and": [
            {"$in": [reader, {"$ifNull": ["$mentions", []]}]},
            {"$ne": ["$author_id", reader]},
        ]
    }
    pipeline = [
        {"$match": dict(match)},
        {
            "$group": {
                "_id": "$room",
                "count": {"$sum": 1},
                "newest": {"$max": "$message_id"},
                "mentions": {"$sum": {"$cond": [mentions_reader, 1, 0]}},
            }
        },
    ]
    cursor = await collection.aggregate(pipeline)
    return {
        str(row["_id"]): Unread(int(row["count"]), int(row["newest"]), int(row["mentions"]))
        async for row in cursor
    }


DOCUMENT_MODELS = (ChatMessage,)
