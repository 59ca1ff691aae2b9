"""One core NATS subscription per subject per replica, each with a callback.

``chat.message.posted``: render and frame once, hand the bytes to every local client.
``auth.session.revoked``: forget the cached token check and close that session's streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from chat_svc.lib.auth_client import AuthClient
from chat_svc.lib.fanout import CloseReason, Fanout
from chat_svc.lib.id_order import IdOrder
from chat_svc.lib.rendering import MessageRenderer
from chat_svc.lib.sse import HEARTBEAT
from chat_svc.models.messages import MessageRecord
from service_kit.events import MessagePosted, SessionRevoked

log = logging.getLogger(__name__)

SUBSCRIPTION_PENDING_LIMIT = 1_000_000


@dataclass
class LiveUpdates:
    nats: NATS
    fanout: Fanout
    renderer: MessageRenderer
    auth: AuthClient
    heartbeat_seconds: float
    reorder_window_seconds: float = 0.5
    _subscriptions: list[Subscription] = field(default_factory=list)
    _heartbeat: asyncio.Task[None] | None = None
    _in_order: IdOrder | None = None

    async def start(self) -> None:
        self._in_order = IdOrder(self.fanout.deliver, self.reorder_window_seconds)
        self._subscriptions = [
            await self.nats.subscribe(
                MessagePosted.SUBJECT,
                cb=self._on_message_posted,
                pending_msgs_limit=SUBSCRIPTION_PENDING_LIMIT,
            ),
            await self.nats.subscribe(SessionRevoked.SUBJECT, cb=self._on_session_revoked),
        ]
        await self.nats.flush()
        self._heartbeat = asyncio.create_task(self._beat())

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        if self._in_order is not None:
            self._in_order.close()
        self.fanout.close_all()

    async def _on_message_posted(self, msg: Msg) -> None:
        try:
            event = MessagePosted.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed MessagePosted dropped: %s", error)
            return
        record = MessageRecord(
            message_id=event.message_id,
            author_id=event.author_id,
            author_name=event.author_name,
            body=event.body,
            posted_at=event.posted_at,
        )
        assert self._in_order is not None  # start() ran
        self._in_order.offer(record.message_id, self.renderer.frame(record))

    async def _on_session_revoked(self, msg: Msg) -> None:
        try:
            event = SessionRevoked.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed SessionRevoked dropped: %s", error)
            return
        self.auth.forget_session(event.session_id)
        closed = self.fanout.close_session(event.session_id)
        log.info("session revoked", extra={"session_id": event.session_id, "streams": closed})

    async def after_reconnect(self) -> None:
        """Core NATS drops what was published while this replica reconnected: end every
        stream so each client resumes from the last id it holds (Last-Event-ID or
        ``?after=``), and gets its session checked again, through the tested resume path."""
        streams = len(self.fanout.clients)
        self.fanout.close_all(CloseReason.RESYNC)
        log.warning("NATS reconnected: streams asked to resume", extra={"streams": streams})

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.fanout.deliver(0, HEARTBEAT)
