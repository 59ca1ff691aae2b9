"""What a reply keeps of its original, and what happens to the original and the replies
when one is posted or the other deleted.

The quote is taken when the reply is posted, so the page and the live stream render it
without a read. Counting a reply and marking quotes of a deleted original write the store
and the latest cache; the pages that open afterwards show it. Live viewers see a new count
or a deleted quote on their next load: neither takes an id of the room's sequence, which is
kept for what the person wrote (posts, edits, deletions)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from pymongo import ReturnDocument
from redis.exceptions import RedisError

from chat_svc.actions.mentions import without_tags
from chat_svc.formatting.plain_text import plain_text
from chat_svc.models.message_shape import ReplyQuote
from chat_svc.models.messages import ChatMessage, MessageRecord, record_of, select_message
from chat_svc.reads.latest_cache import LatestCache

log = logging.getLogger(__name__)

FIRST_LINE_CHARS = 140
MessageLookup = Callable[[str, int], Awaitable[MessageRecord | None]]


async def reply_target(
    room: str, message_id: int | None, find: MessageLookup = select_message
) -> ReplyQuote | None:
    """The quote of message ``message_id`` of ``room``; None when there is no such message
    or it is deleted (the post then stands as a message of its own). ``find``: the history
    index when posts are acknowledged by the log (the original may not be stored yet)."""
    if message_id is None:
        return None
    original = await find(room, message_id)
    if original is None or original.deleted:
        log.info("reply to a missing message posted as a plain message", extra={"room": room})
        return None
    return ReplyQuote(
        message_id=original.message_id,
        author_id=original.author_id,
        author_name=original.author_name,
        # Read as text, not source: no Markdown syntax, no account tags (mentions.py).
        first_line=first_line(plain_text(without_tags(original.body, original.mentions))),
    )


def first_line(body: str) -> str:
    line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"


def with_replied_author(
    mentions: tuple[str, ...], reply: ReplyQuote | None, author_id: str
) -> tuple[str, ...]:
    """The replied-to person is notified as a mention is (the same e-mail and marks),
    unless they answer themselves."""
    if reply is None or reply.author_id == author_id or reply.author_id in mentions:
        return mentions
    return (*mentions, reply.author_id)


async def count_reply(cache: LatestCache, reply: ReplyQuote, room: str) -> None:
    """One more reply on the original, in the store ($inc: concurrent replies all count)
    and in the latest cache."""
    collection = ChatMessage.get_pymongo_collection()
    updated = await collection.find_one_and_update(
        {"room": room, "message_id": reply.message_id},
        {"$inc": {"reply_count": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        await _recache(cache, MessageRecord.model_validate(updated))


async def count_logged_reply(
    cache: LatestCache, find: MessageLookup, reply: ReplyQuote, room: str
) -> None:
    """Posts acknowledged by the log: the cache counts the reply now, the history writer
    counts it in the store when it stores the reply (chat_svc/history_writer/), since the
    original itself may not be stored yet."""
    original = await find(room, reply.message_id)
    if original is not None:
        await _recache(cache, original.model_copy(update={"reply_count": original.reply_count + 1}))


async def mark_quotes_deleted(cache: LatestCache, original: MessageRecord) -> None:
    """The original is gone: its replies' quotes say "message deleted" and keep no text."""
    if not original.reply_count:
        return  # nothing quotes it: no read of the store (a scan on FerretDB)
    collection = ChatMessage.get_pymongo_collection()
    where = {"room": original.room, "reply.message_id": original.message_id}
    await collection.update_many(where, {"$set": {"reply.deleted": True, "reply.first_line": ""}})
    for document in await ChatMessage.find(where).to_list():
        await _recache(cache, record_of(document))


async def _recache(cache: LatestCache, message: MessageRecord) -> None:
    try:
        await cache.replace(message)
    except (RedisError, OSError) as error:  # the store holds it; the cache is rebuilt from there
        log.warning("latest cache not updated for a reply: %s", error)
