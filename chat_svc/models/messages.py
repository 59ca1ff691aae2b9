"""Messages in the store (the source of truth), ordered by a server-assigned id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from beanie import Document, Indexed
from pydantic import BaseModel, ConfigDict


class ChatMessage(Document):
    message_id: Indexed(int, unique=True)  # type: ignore[valid-type]
    author_id: str
    author_name: str
    body: str
    posted_at: datetime

    class Settings:
        name = "messages"


class MessageRecord(BaseModel):
    """A message as the page, the Redis cache and the live stream see it."""

    model_config = ConfigDict(frozen=True)

    message_id: int
    author_id: str
    author_name: str
    body: str
    posted_at: datetime

    @property
    def author_handle(self) -> str:
        return account_handle(self.author_id)


def account_handle(user_id: str) -> str:
    """A short tag that stays the same for one account and differs between two people who
    chose the same display name ("Alice #3f2a", "Alice #b71c"). Derived from the account
    id, so it reveals nothing (unlike the e-mail address)."""
    return "#" + hashlib.sha256(user_id.encode()).hexdigest()[:4]


def _record(document: ChatMessage) -> MessageRecord:
    return MessageRecord(
        message_id=document.message_id,
        author_id=document.author_id,
        author_name=document.author_name,
        body=document.body,
        posted_at=document.posted_at,  # aware: the client is tz_aware
    )


async def select_highest_message_id() -> int:
    newest = await ChatMessage.find().sort(-ChatMessage.message_id).limit(1).to_list()
    return newest[0].message_id if newest else 0


async def insert_message(
    message_id: int, author_id: str, author_name: str, body: str
) -> MessageRecord:
    # MongoDB keeps milliseconds: truncate now so the cached and stored copies are equal.
    now = datetime.now(UTC)
    posted_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    document = ChatMessage(
        message_id=message_id,
        author_id=author_id,
        author_name=author_name,
        body=body,
        posted_at=posted_at,
    )
    await document.insert()
    return _record(document)


async def select_latest_messages(limit: int) -> list[MessageRecord]:
    """The newest ``limit`` messages, oldest first."""
    newest = await ChatMessage.find().sort(-ChatMessage.message_id).limit(limit).to_list()
    return [_record(document) for document in reversed(newest)]


async def select_messages_before(before_id: int, limit: int) -> list[MessageRecord]:
    """The ``limit`` messages just older than ``before_id``, oldest first."""
    older = (
        await ChatMessage.find(ChatMessage.message_id < before_id)
        .sort(-ChatMessage.message_id)
        .limit(limit)
        .to_list()
    )
    return [_record(document) for document in reversed(older)]


async def select_messages_after(after_id: int, limit: int) -> list[MessageRecord]:
    """Up to ``limit`` messages newer than ``after_id``, oldest first."""
    newer = (
        await ChatMessage.find(ChatMessage.message_id > after_id)
        .sort(+ChatMessage.message_id)
        .limit(limit)
        .to_list()
    )
    return [_record(document) for document in newer]


DOCUMENT_MODELS = (ChatMessage,)
