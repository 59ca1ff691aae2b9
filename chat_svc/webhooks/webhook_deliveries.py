"""The ``chat_svc_webhooks`` durable consumer: every post passes by; those that mention a
bot with a webhook, or are written in a direct room with one, are delivered to it.

A failed delivery is nak'ed with a growing delay (doubling, up to a cap) and retried until
the retry window since the post ends; then it is dead-lettered and recorded for the
administrators. A bot already served is noted in Valkey, so a retry for another bot of the
same message does not call it twice. Later messages are not held up by a failing one: each
waits its own backoff, and the consumer goes on with the next.

Nor by a slow one: the fetch loop only finds each message's bots and hands the message to
each bot's lane (bot_lanes.py), in order; the message is settled when its last lane is done.
While it waits there it is kept alive (``in_progress``), so ack_wait does not redeliver it
mid-call. In flight stays bounded by the durable's max_ack_pending and the lanes' caps.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nats.aio.msg import Msg
from pydantic import ValidationError
from redis.asyncio import Redis

from chat_svc.actions.room_names import is_direct
from chat_svc.bots.bot_records import BotProfile, is_bot, select_bot
from chat_svc.events import MessagePosted
from chat_svc.models.message_shape import MESSAGE_FIELDS
from chat_svc.models.messages import MessageRecord
from chat_svc.webhooks.bot_lanes import BotLanes
from chat_svc.webhooks.webhook_calls import DeliveryFailedError, TargetRefusedError, WebhookCalls
from chat_svc.webhooks.webhook_failures import insert_failure
from service_kit.messaging.jetstream import DurableConsumer

log = logging.getLogger(__name__)

DURABLE = "chat_svc_webhooks"
DONE_SECONDS = 2 * 86_400
LANES_FULL = "too many deliveries waiting for this bot"


async def _no_handler(_: object) -> None:  # process() below does the work
    raise NotImplementedError


@dataclass
class PendingMessage:
    """A message in its bots' lanes: settled once ``waiting`` is back to zero."""

    message: Msg
    posted: MessagePosted
    record: MessageRecord
    waiting: int = 0
    failed: list[tuple[BotProfile, str]] = field(default_factory=list)


@dataclass
class WebhookConsumer(DurableConsumer):
    calls: WebhookCalls | None = None
    redis: Redis | None = None
    members_of: Callable[[str], Awaitable[Sequence[tuple[str, str]]]] | None = None
    # From the settings only (webhook_retry_seconds, webhook_backoff_cap_seconds): a class
    # default here once went stale against the setting.
    retry_seconds: float = field(kw_only=True)
    backoff_cap_seconds: float = field(kw_only=True)
    lanes: BotLanes = field(default_factory=BotLanes)
    _in_lanes: dict[int, PendingMessage] = field(default_factory=dict)  # by stream sequence

    async def run(self) -> None:
        keeping_alive = asyncio.create_task(self._keep_alive())
        try:
            await super().run()
        finally:
            keeping_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping_alive
            await self.lanes.close()
            self._in_lanes.clear()

    async def process(self, message: Msg) -> None:
        if message.metadata.sequence.stream in self._in_lanes:
            return  # redelivered while still in its lanes: they settle it
        try:
            posted = MessagePosted.model_validate_json(message.data)
        except ValidationError as error:
            await self._dead_letter(message, f"malformed: {error}")
            return
        bots = await self._bots_for(posted)
        if not bots:
            await message.ack()
            return
        record = MessageRecord.model_validate(posted.model_dump(include=set(MESSAGE_FIELDS)))
        pending = PendingMessage(message, posted, record)
        for bot in bots:
            if self.lanes.hand(bot.user_id, functools.partial(self._deliver, pending, bot)):
                pending.waiting += 1
            else:
                pending.failed.append((bot, LANES_FULL))
        if pending.waiting:
            self._in_lanes[message.metadata.sequence.stream] = pending
        else:
            await self._conclude(pending)

    async def _deliver(self, pending: PendingMessage, bot: BotProfile) -> None:
        """One bot's turn in its lane; the last lane of a message settles it."""
        try:
            await self._call_once(pending, bot)
        except Exception as error:  # Valkey or the store failed: retried like the endpoint
            pending.failed.append((bot, str(error) or type(error).__name__))
        pending.waiting -= 1
        if pending.waiting == 0:
            self._in_lanes.pop(pending.message.metadata.sequence.stream, None)
            try:
                await self._conclude(pending)
            except Exception as error:  # ack/nak lost in a NATS outage: redelivered later
                log.warning("could not settle a webhook delivery: %s", error)

    async def _call_once(self, pending: PendingMessage, bot: BotProfile) -> None:
        posted = pending.posted
        if await self._done(posted, bot):
            return
        try:
            assert self.calls is not None
            await self.calls.deliver(bot, pending.record)
        except TargetRefusedError as refused:
            await insert_failure(
                bot.user_id, bot.name, posted.room, posted.message_id, str(refused)
            )
        except DeliveryFailedError as error:
            pending.failed.append((bot, str(error)))
            return
        await self._mark_done(posted, bot)

    async def _conclude(self, pending: PendingMessage) -> None:
        message, posted, failed = pending.message, pending.posted, pending.failed
        if not failed:
            await message.ack()
            return
        age = (datetime.now(UTC) - message.metadata.timestamp).total_seconds()
        if age >= self.retry_seconds:
            for bot, reason in failed:
                await insert_failure(bot.user_id, bot.name, posted.room, posted.message_id, reason)
            await self._dead_letter(message, f"webhook failed for {age:.0f} s: {failed[0][1]}")
            return
        attempt = message.metadata.num_delivered
        delay = min(self.backoff_cap_seconds, 2.0 ** (attempt - 1))
        log.warning("webhook failed, retrying in %.1fs: %s", delay, failed[0][1])
        await message.nak(delay=delay)

    async def _keep_alive(self) -> None:
        """Tell JetStream the messages waiting in lanes are still being worked on."""
        ack_wait = self.topology.consumers[self.durable][1].ack_wait or 30.0
        while True:
            await asyncio.sleep(ack_wait / 3)
            for pending in list(self._in_lanes.values()):
                with contextlib.suppress(Exception):  # NATS away: it redelivers, we skip
                    await pending.message.in_progress()

    async def _bots_for(self, posted: MessagePosted) -> list[BotProfile]:
        candidates = [user for user in posted.mentions if is_bot(user)]
        if is_direct(posted.room) and self.members_of is not None:
            candidates += [user for user, _ in await self.members_of(posted.room) if is_bot(user)]
        bots = []
        for user_id in dict.fromkeys(candidates):
            if user_id == posted.author_id:
                continue  # a bot's own words never call it back
            bot = await select_bot(user_id)
            if bot is not None and bot.webhook_url and bot.signing_secret:
                bots.append(bot)
        return bots

    def _done_key(self, posted: MessagePosted) -> str:
        return f"chat:webhook:{posted.room}:{posted.message_id}:done"

    async def _done(self, posted: MessagePosted, bot: BotProfile) -> bool:
        assert self.redis is not None
        return bool(await self.redis.sismember(self._done_key(posted), bot.user_id))

    async def _mark_done(self, posted: MessagePosted, bot: BotProfile) -> None:
        assert self.redis is not None
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self._done_key(posted), bot.user_id)
            pipe.expire(self._done_key(posted), DONE_SECONDS)
            await pipe.execute()
