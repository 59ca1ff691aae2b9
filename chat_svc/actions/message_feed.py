"""Posting and reading messages: one Redis round trip (rate limit, id, cache), the store,
then NATS.

Redis is a cache here: when it is down the page is served from the store (and it is logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pymongo.errors import DuplicateKeyError, PyMongoError
from redis.exceptions import RedisError

from chat_svc.actions.mentions import find_mentions
from chat_svc.actions.message_ids import MessageIdSequence
from chat_svc.actions.message_publisher import LivePublisher
from chat_svc.actions.post_intake import PostIntake, SequenceMissingError, Taken
from chat_svc.actions.room_names import is_direct
from chat_svc.auth.auth_client import Viewer
from chat_svc.events import MessagePosted
from chat_svc.formatting.markdown_render import message_html, prose_of
from chat_svc.models.message_shape import AttachedFile, ReplyQuote
from chat_svc.models.messages import (
    MessageRecord,
    event_of,
    insert_message,
    posting_time,
    select_message,
    select_messages_after,
)
from chat_svc.notifications.mention_notices import MentionNotices
from chat_svc.reads.latest_cache import (
    LatestCache,
    latest_key,
    mentioned_others,
    mentions_key,
)
from chat_svc.reads.room_members import RoomMembers
from chat_svc.replies.reply_quotes import (
    MessageLookup,
    count_logged_reply,
    count_reply,
    reply_target,
    with_replied_author,
)

log = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)
ID_ATTEMPTS = 3


class TooFarBehindError(Exception):
    """More messages were missed than a resume replays: the client reloads instead."""


@dataclass(frozen=True)
class MessageFeed:
    cache: LatestCache
    publisher: LivePublisher
    ids: MessageIdSequence
    intake: PostIntake
    members: RoomMembers = field(default_factory=RoomMembers)
    mention_notices: MentionNotices = field(default_factory=MentionNotices)
    # CHAT_POSTS_ACKNOWLEDGED_BY=log: the publish acknowledges a post, the history writer
    # stores it; replies find their original in the history index (it may not be stored).
    acknowledged_by_log: bool = False
    find_message: MessageLookup = select_message

    async def mentions_in(self, room: str, body: str) -> tuple[str, ...]:
        """Who ``body`` mentions among the room's members (actions/mentions.py)."""
        if "@" not in body:
            return ()  # most messages: no member list needed
        return find_mentions(prose_of(body), await self.members.of(room))  # never in code

    async def _direct_readers(self, room: str) -> tuple[str, ...]:
        """Everyone in a direct room (its author is dropped later); nobody elsewhere."""
        if not is_direct(room):
            return ()
        return tuple(user_id for user_id, _ in await self.members.of(room))

    async def post(
        self,
        author: Viewer,
        room: str,
        body: str,
        *,
        rate_limited: bool = True,
        client_id: str | None = None,
        files: tuple[AttachedFile, ...] = (),
        reply_to: int | None = None,
    ) -> MessageRecord:
        """One Redis round trip (send-once key, rate limit, id, cache: actions/post_intake.py),
        the insert, the publish (``acknowledged_by_log``: the publish alone). Raises
        ``PostRefusedError`` when the author posts too fast (``rate_limited=False``: a post
        no person sends by hand, such as a test's) and ``AlreadySentError`` for a draft
        (``client_id``) stored already."""
        reply = await reply_target(room, reply_to, self.find_message)  # chat_svc/replies/
        mentions = with_replied_author(await self.mentions_in(room, body), reply, author.user_id)
        draft = self._draft(author, room, body, mentions, files, reply)
        if self.acknowledged_by_log:
            message = await self._log(draft, rate_limited, client_id)
        else:
            message = await self._store(draft, rate_limited, client_id)
        fields = {"room": room, "message_id": message.message_id, "user_id": author.user_id}
        try:
            if reply is not None and self.acknowledged_by_log:
                await count_logged_reply(self.cache, self.find_message, reply, room)
            elif reply is not None:
                await count_reply(self.cache, reply, room)
            await self.mention_notices.mentioned(message, await self._direct_readers(room))
        except (PyMongoError, *CACHE_ERRORS):
            if not self.acknowledged_by_log:
                raise
            # Logged already: the post stands; a reply count or a direct message's e-mail
            # note is what is lost (logged).
            log.exception("after-post step failed for a logged post", extra=fields)
        if not self.acknowledged_by_log:
            event = event_of(message, MessagePosted)
            # The room's own subject: replicas with nobody in the room never decode it.
            await self.publisher.publish(
                MessagePosted.subject_for(room), event.to_bytes(), str(event.id), fields
            )
        log.info("message posted", extra=fields)
        return message

    async def _log(
        self, draft: MessageRecord, rate_limited: bool, client_id: str | None
    ) -> MessageRecord:
        """``CHAT_POSTS_ACKNOWLEDGED_BY=log``: the id and the cache, then the publish is the
        acknowledgement; the durable ``chat_svc_history`` stores it (chat_svc/history_writer/).
        A publish JetStream did not take uncaches it, as a failed insert does."""
        taken = await self._take(draft, rate_limited, client_id)
        event = event_of(taken.message, MessagePosted)
        try:
            await self.publisher.publish_acknowledged(
                MessagePosted.subject_for(draft.room), event.to_bytes(), str(event.id)
            )
        except BaseException:
            await self._uncache(draft.room, taken)
            raise
        return taken.message

    def _draft(
        self,
        author: Viewer,
        room: str,
        body: str,
        mentions: tuple[str, ...],
        files: tuple[AttachedFile, ...],
        reply: ReplyQuote | None,
    ) -> MessageRecord:
        return MessageRecord(
            room=room,
            message_id=0,
            author_id=author.user_id,
            author_name=author.display_name,
            body=body,
            posted_at=posting_time(),
            mentions=mentions,
            files=files,
            body_html=message_html(body, mentions),
            reply=reply,
        )

    async def _take(self, draft: MessageRecord, check_rate: bool, client_id: str | None) -> Taken:
        try:
            return await self.intake.take(draft, check_rate=check_rate, client_id=client_id)
        except SequenceMissingError:  # first post since Redis started or was flushed
            await self.ids.seed(draft.room)
            return await self.intake.take(draft, check_rate=check_rate, client_id=client_id)

    async def _store(
        self, draft: MessageRecord, rate_limited: bool, client_id: str | None
    ) -> MessageRecord:
        for attempt in range(ID_ATTEMPTS):
            taken = await self._take(draft, rate_limited and attempt == 0, client_id)
            message = taken.message
            try:
                return await insert_message(
                    message.room,
                    message.message_id,
                    message.author_id,
                    message.author_name,
                    message.body,
                    message.posted_at,
                    message.mentions,
                    message.files,
                    message.body_html,
                    message.reply,
                )
            except DuplicateKeyError:  # the sequence was re-seeded under an id in flight
                log.warning(
                    "message id %d of %s taken, taking another", message.message_id, message.room
                )
                await self._uncache(message.room, taken)
            except BaseException:
                await self._uncache(message.room, taken)
                raise
        raise RuntimeError(f"no free message id after {ID_ATTEMPTS} attempts")

    async def _uncache(self, room: str, taken: Taken) -> None:
        """The insert failed: the cached copy must not stay (the store is the truth), and
        the draft's send-once key goes too, so a retry stores it."""
        try:
            async with self.cache.redis.pipeline(transaction=False) as pipe:
                pipe.zrem(latest_key(room), taken.cached_as)
                for user in mentioned_others(taken.message):
                    pipe.zrem(mentions_key(room, user), str(taken.message.message_id))
                if taken.send_key is not None:
                    pipe.delete(taken.send_key)
                await pipe.execute()
        except CACHE_ERRORS as error:
            log.error("unstored message left in the latest cache: %s", error)

    async def after(self, room: str, after_id: int, limit: int) -> list[MessageRecord]:
        """Messages of ``room`` newer than ``after_id`` in order; raises past ``limit``."""
        try:
            cached = await self.cache.after(room, after_id)
        except CACHE_ERRORS as error:
            log.warning("latest cache unavailable for a resume: %s", error)
            cached = None
        missed = (
            cached if cached is not None else await select_messages_after(room, after_id, limit + 1)
        )
        if len(missed) > limit:
            raise TooFarBehindError(f"{len(missed)} messages missed")
        return missed
