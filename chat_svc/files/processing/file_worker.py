"""The durable ``chat_svc_files`` on CHAT_EVENTS: thumbnails for ``chat.file.attached`` and
file removal for deleted messages (``chat.room.*.message_changed`` with ``deleted``) and
deleted rooms (``chat.rooms.changed`` with ``deleted``).

Its own small pull loop rather than service_kit's ``DurableConsumer``: that one decodes only
the cross-service events of service_kit/events.py by exact subject, and message changes come
on one subject per room. Explicit ack after the work is done; a failure is retried later
(nak with a delay), and given up (term, logged) after the durable's ``max_deliver``."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from chat_svc.events import MessageChanged, RoomChanged
from chat_svc.files.processing.file_events import FileAttached
from chat_svc.files.processing.file_work import FileWork

log = logging.getLogger(__name__)

DURABLE = "chat_svc_files"
STREAM = "CHAT_EVENTS"
MAX_ATTEMPTS = 10
RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0)


class FileWorker:
    def __init__(self, js: JetStreamContext, work: FileWork) -> None:
        self._js = js
        self._work = work
        self._stopping = asyncio.Event()
        self.bound = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                subscription = await self._js.pull_subscribe_bind(DURABLE, STREAM)
            except Exception as error:  # NATS down or the durable not declared yet
                log.warning("cannot bind %s: %s", DURABLE, error)
                await self._pause(1.0)
                continue
            self.bound.set()
            try:
                await self._pull(subscription)
            finally:
                self.bound.clear()
                with contextlib.suppress(Exception):
                    await subscription.unsubscribe()

    async def _pull(self, subscription: JetStreamContext.PullSubscription) -> None:
        while not self._stopping.is_set():
            try:
                messages = await subscription.fetch(5, timeout=1.0)
            except TimeoutError:
                continue
            except Exception as error:
                log.warning("fetch failed on %s: %s", DURABLE, error)
                await self._pause(0.5)
                return
            for message in messages:
                with contextlib.suppress(Exception):  # a lost ack: redelivered, idempotent
                    await self._settle(message)

    async def _settle(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        try:
            await self.handle(message.subject, message.data)
        except Exception as error:
            if attempt >= MAX_ATTEMPTS:
                log.error("file work given up: %s", error, extra={"subject": message.subject})
                await message.term()
                return
            log.warning("file work failed, retrying: %s", error)
            await message.nak(delay=RETRY_SECONDS[min(attempt - 1, len(RETRY_SECONDS) - 1)])
        else:
            await message.ack()

    async def handle(self, subject: str, data: bytes) -> None:
        if subject == FileAttached.SUBJECT:
            attached = FileAttached.model_validate_json(data)
            await self._work.make_thumbnail(attached.file_id)
        elif subject.endswith(".message_changed"):
            changed = MessageChanged.model_validate_json(data)
            if changed.deleted:
                await self._work.remove_files_of(changed.room, changed.message_id)
        elif subject == RoomChanged.SUBJECT:
            room = RoomChanged.model_validate_json(data)
            if room.change == "deleted":
                await self._work.remove_files_of_room(room.room, room.occurred_at)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def stop(self) -> None:
        self._stopping.set()
