"""Editing and deleting one's own messages: the store, then the Redis cache, then NATS.

Each change takes the next id of the room's sequence (the same ids as posts), so:
- every replica releases it in order with the posts, and the page swaps it in for the
  message it shows (the element is found by message id);
- a resume after an older id replays the message once, as it is now (the cache and the
  store both answer "posted or changed after N").
A deletion empties the text in the store and the cache; what is left is a short line.

FerretDB has no atomic conditional update (service_kit/store_compat), so the changes to
one message take a short Redis lock: an edit never writes back text a deletion removed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from chat_svc.actions.message_feed import CACHE_ERRORS, MessageFeed
from chat_svc.auth.auth_client import Viewer
from chat_svc.events import MessageChanged
from chat_svc.formatting.markdown_render import message_html
from chat_svc.models.messages import MessageRecord, event_of, update_message
from chat_svc.reactions.reaction_keys import reaction_state_key
from chat_svc.reads.history import HistoryIndex
from chat_svc.replies.reply_quotes import mark_quotes_deleted, with_replied_author

log = logging.getLogger(__name__)

LOCK_MILLISECONDS = 10_000
RELEASE_IF_OWNED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class MessageBusyError(Exception):
    """Another change to the same message is under way (the author's other tab)."""


class EditWindowClosedError(Exception):
    """The message is older than the edit window."""


def edit_window(minutes: float) -> Callable[[MessageRecord], bool]:
    """Whether a message may still be edited (the page shows its Edit link while so)."""
    window = timedelta(minutes=minutes)

    def edit_open(message: MessageRecord) -> bool:
        return not message.deleted and datetime.now(UTC) - message.posted_at < window

    return edit_open


def logged_change(current: MessageRecord, change: dict[str, Any]) -> MessageRecord:
    """``current`` as ``update_message`` would leave it in the store (reactions go with a
    deleted message)."""
    gone: dict[str, Any] = {"reactions": ()} if change["deleted"] else {}
    return current.model_copy(update=change | {"mentions": tuple(change["mentions"])} | gone)


def lock_key(room: str, message_id: int) -> str:
    return f"chat:room:{room}:message:{message_id}:changing"


@dataclass(frozen=True)
class MessageEdits:
    feed: MessageFeed
    edit_minutes: float
    # Where the message is read (reads/history/): a lookup in Valkey, not a scan of the
    # embedded database; MongoDB's index in production.
    history: HistoryIndex

    async def own_message(self, viewer: Viewer, room: str, message_id: int) -> MessageRecord | None:
        """The viewer's own message, still there; None for anything else (the caller
        answers 404 alike for someone else's message and one that does not exist)."""
        message = await self.history.message(room, message_id)
        if message is None or message.author_id != viewer.user_id or message.deleted:
            return None
        return message

    async def edit(self, message: MessageRecord, body: str) -> MessageRecord:
        if not edit_window(self.edit_minutes)(message):
            raise EditWindowClosedError
        return await self._change(message, body=body, deleted=False)

    async def delete(self, message: MessageRecord, *, by_admin: bool = False) -> MessageRecord:
        deleted = await self._change(message, body="", deleted=True, by_admin=by_admin)
        await self.feed.cache.redis.delete(reaction_state_key(message.room, message.message_id))
        try:
            await mark_quotes_deleted(self.feed.cache, deleted)  # its replies say so
        except PyMongoError:
            if not self.feed.acknowledged_by_log:
                raise
            log.exception("quotes of a deleted message not marked (the deletion is logged)")
        return deleted

    async def _change(
        self, message: MessageRecord, *, body: str, deleted: bool, by_admin: bool = False
    ) -> MessageRecord:
        redis = self.feed.cache.redis
        key, token = lock_key(message.room, message.message_id), uuid.uuid4().hex
        if not await redis.set(key, token, nx=True, px=LOCK_MILLISECONDS):
            raise MessageBusyError
        try:
            current = await self.history.message(message.room, message.message_id)
            if current is None or current.deleted:
                raise MessageBusyError  # deleted meanwhile
            mentions = with_replied_author(
                await self.feed.mentions_in(message.room, body), current.reply, current.author_id
            )
            event_id = await self.feed.ids.next_id(message.room)
            now = datetime.now(UTC)
            change: dict[str, Any] = {
                "body": body,
                "event_id": event_id,
                "edited_at": now.replace(microsecond=now.microsecond // 1000 * 1000),
                "deleted": deleted,
                "mentions": mentions,
                "removed_by_admin": by_admin,
                "body_html": "" if deleted else message_html(body, mentions),
            }
            if self.feed.acknowledged_by_log:
                # The event is the change: the history writer stores it, even before the
                # post itself reaches the database (chat_svc/history_writer/).
                changed: MessageRecord | None = logged_change(current, change)
            else:
                changed = await update_message(message.room, message.message_id, **change)
            if changed is None:
                raise MessageBusyError  # gone from the store meanwhile
            # Under the lock: the next change reads this version from the history index.
            await self._spread(changed, current.mentions)
        finally:
            await redis.eval(RELEASE_IF_OWNED, 1, key, token)
        # Only people the edit newly names: someone already mailed about it is never mailed
        # again for the same message.
        added = tuple(user for user in changed.mentions if user not in current.mentions)
        if added and not changed.deleted:
            newly = changed.model_copy(update={"mentions": added})
            await self.feed.mention_notices.mentioned(newly)
        # Mentions the edit took out are no longer mailed (a deletion is dropped by the scan).
        removed = tuple(user for user in current.mentions if user not in changed.mentions)
        await self.feed.mention_notices.unmentioned(changed, removed)
        return changed

    async def _spread(self, message: MessageRecord, previous_mentions: Sequence[str]) -> None:
        fields = {"room": message.room, "message_id": message.message_id}
        try:
            await self.feed.cache.replace(message, previous_mentions)
        except CACHE_ERRORS as error:
            log.warning("latest cache not updated after a change: %s", error, extra=fields)
        event = event_of(message, MessageChanged)
        await self.feed.publisher.publish(
            MessageChanged.subject_for(message.room), event.to_bytes(), str(event.id), fields
        )
        log.info("message deleted" if message.deleted else "message edited", extra=fields)
