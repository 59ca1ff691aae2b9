"""Mention e-mails: a person who has not read a mention of them within the delay gets ONE
e-mail listing every unread mention since their last such e-mail, at most one per interval.

Every ``mention_email_scan_seconds`` one replica (a Redis lease) scans the pending mentions
(models/pending_mentions.py, written at post time). For each person with a mention past the
delay it drops what no longer needs mailing (read: their read position in the room reached
the message; the message deleted; they left the room; mention e-mails turned off), and if
anything is left and their last digest is older than the interval, it stores a
MentionDigestRequested in the outbox (models/digest_records.py: the insert of
"<person>:<number>" decides it, once) and publishes it; mail_svc sends it.

Restarts lose nothing: pending mentions and unpublished digests are in the database and the
next scan, on any replica, carries on. A digest is published with its stored event id, so a
second publish after a crash is dropped (JetStream's duplicate window, then mail_svc's record
of sent event ids).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.models.digest_records import (
    MentionDigest,
    delete_published_digests,
    insert_digest,
    mark_digest_published,
    record_mailed,
    select_mail_states,
    select_unpublished_digests,
)
from chat_svc.models.memberships import Membership, select_memberships_in
from chat_svc.models.messages import MessageRecord, select_messages_in
from chat_svc.models.notification_settings import select_mention_emails_off
from chat_svc.models.pending_mentions import (
    PendingMention,
    delete_pending_mentions,
    select_pending_mentions,
)
from chat_svc.models.users import ChatUser
from chat_svc.notifications.unsubscribe_links import UnsubscribeLinks
from chat_svc.people_directory.person_lookup import find_people
from chat_svc.settings import ChatSettings
from service_kit.events import MentionDigestRequested, MentionInDigest
from service_kit.messaging.jetstream import publish_payload

log = logging.getLogger(__name__)

LEASE_KEY = "chat:mention-digests:lease"
EXCERPT_CHARS = 200
# Published digests are kept this long so a scan that overran its lease cannot decide the
# same number again (models/digest_records.py).
KEEP_PUBLISHED = timedelta(days=1)
RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def excerpt(body: str, limit: int = EXCERPT_CHARS) -> str:
    """The message on one line, cut at a word boundary."""
    flat = re.sub(r"\s+", " ", body).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def message_link(public_url: str, room: str, message_id: int) -> str:
    return f"{public_url.rstrip('/')}/rooms/{room}#message-{message_id}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_due(mentioned_at: datetime, now: datetime, delay: timedelta) -> bool:
    return _aware(mentioned_at) + delay <= now


def due_people(
    pending: Iterable[PendingMention], now: datetime, delay: timedelta
) -> dict[str, list[PendingMention]]:
    """Each person with at least one mention past the delay, with ALL their pending mentions
    (oldest first): the e-mail lists the newer ones too, rather than sending a second soon."""
    by_person: dict[str, list[PendingMention]] = {}
    for mention in pending:
        by_person.setdefault(mention.user_id, []).append(mention)
    return {
        person: sorted(mentions, key=lambda m: (_aware(m.mentioned_at), m.room, m.message_id))
        for person, mentions in by_person.items()
        if any(is_due(m.mentioned_at, now, delay) for m in mentions)
    }


def throttled(last_mailed_at: datetime | None, now: datetime, interval: timedelta) -> bool:
    return last_mailed_at is not None and now < _aware(last_mailed_at) + interval


def still_unread(mention: PendingMention, message: MessageRecord, membership: Membership) -> bool:
    """Worth an e-mail: the message is not deleted, still names the person (an edit may have
    taken the mention out while this scan ran; a direct message is for them anyway), and
    their read position has not reached it."""
    return (
        not message.deleted
        and (membership.kind == "direct" or mention.user_id in message.mentions)
        and membership.last_read_message_id < mention.message_id
    )


def room_label(membership: Membership) -> str:
    return "a direct message" if membership.kind == "direct" else membership.title


@dataclass
class MentionDigests:
    js: JetStreamContext
    redis: Redis
    links: UnsubscribeLinks
    settings: ChatSettings
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def delay(self) -> timedelta:
        return timedelta(seconds=self.settings.mention_email_delay_seconds)

    @property
    def min_interval(self) -> timedelta:
        return timedelta(seconds=self.settings.mention_email_min_interval_seconds)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.scan_with_lease()
            except Exception:  # the database or NATS away: the next scan tries again
                log.exception("mention e-mail scan failed; retrying at the next scan")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), self.settings.mention_email_scan_seconds
                )

    def stop(self) -> None:
        self._stopping.set()

    async def scan_with_lease(self) -> None:
        """One replica scans at a time; the others skip this round."""
        lease_ms = int(max(30.0, 4 * self.settings.mention_email_scan_seconds) * 1000)
        try:
            if not await self.redis.set(LEASE_KEY, self._token, nx=True, px=lease_ms):
                return
        except RedisError as error:
            # Correct without the lease too (the outbox insert decides), only more work.
            log.warning("mention scan lease unavailable, scanning anyway: %s", error)
        try:
            await self.scan_once(datetime.now(UTC))
        finally:
            with contextlib.suppress(RedisError):
                await self.redis.eval(RELEASE_LEASE, 1, LEASE_KEY, self._token)

    async def scan_once(self, now: datetime) -> None:
        for digest in await select_unpublished_digests():  # begun by a scan that died
            await self._publish(digest)
        due = due_people(await select_pending_mentions(), now, self.delay)
        if due:
            await self._mail_due(due, now)
        await delete_published_digests(now - KEEP_PUBLISHED)

    async def _mail_due(self, due: dict[str, list[PendingMention]], now: datetime) -> None:
        """A few reads for the whole round, whatever the number of people and mentions:
        FerretDB scans a collection once per read (service_kit/storage/store_compat.py, 4.);
        the people come from the directory's cards (people_directory/), not a read."""
        users = await find_people(list(due))
        turned_off = await select_mention_emails_off(due)
        mentions = [mention for person in due.values() for mention in person]
        messages = await select_messages_in((m.room, m.message_id) for m in mentions)
        memberships = await select_memberships_in((m.room, m.user_id) for m in mentions)
        states = await select_mail_states(due)
        moot: list[str] = []
        for user_id, pending in due.items():
            user = users.get(user_id)
            if user is None or user_id in turned_off:
                moot.extend(m.id for m in pending)
                continue
            unread = []
            for mention in pending:
                message = messages.get((mention.room, mention.message_id))
                membership = memberships.get((mention.room, user_id))
                if message is None or membership is None:  # deleted for good, or left
                    moot.append(mention.id)
                elif still_unread(mention, message, membership):
                    unread.append((mention, message, membership))
                else:
                    moot.append(mention.id)
            if not any(is_due(m.mentioned_at, now, self.delay) for m, _, _ in unread):
                continue
            state = states.get(user_id)
            if throttled(state.last_mailed_at if state else None, now, self.min_interval):
                continue  # they stay pending: mailed after the interval if still unread
            await self._decide(user, unread, (state.last_sequence if state else 0) + 1, now)
        await delete_pending_mentions(moot)

    async def _decide(
        self,
        user: ChatUser,
        unread: list[tuple[PendingMention, MessageRecord, Membership]],
        sequence: int,
        now: datetime,
    ) -> None:
        event = MentionDigestRequested(
            user_id=user.user_id,
            email=user.email,
            display_name=user.display_name,
            mentions=tuple(
                MentionInDigest(
                    room_name=room_label(membership),
                    author_name=message.author_name,
                    excerpt=excerpt(message.body),
                    link=message_link(self.settings.public_url, message.room, message.message_id),
                    posted_at=message.posted_at,
                )
                for _, message, membership in unread
            ),
            unsubscribe_link=self.links.link_for(user.user_id),
        )
        digest = await insert_digest(
            user.user_id,
            sequence,
            now,
            str(event.id),
            event.model_dump_json(),
            [mention.id for mention, _, _ in unread],
        )
        if digest is None:
            log.info("mention digest already decided elsewhere", extra={"sequence": sequence})
            return
        await self._publish(digest)

    async def _publish(self, digest: MentionDigest) -> None:
        """Publish, then tidy up; each step is safe to repeat after a crash."""
        await publish_payload(
            self.js, MentionDigestRequested.SUBJECT, digest.payload.encode(), digest.event_id
        )
        await delete_pending_mentions(digest.pending_keys)
        await record_mailed(digest.user_id, digest.sequence, _aware(digest.created_at))
        await mark_digest_published(digest.id)
        log.info(
            "mention e-mail requested",
            extra={
                "event_id": digest.event_id,
                "sequence": digest.sequence,
                "mentions": len(digest.pending_keys),
            },
        )
