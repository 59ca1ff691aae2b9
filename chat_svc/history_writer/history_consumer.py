"""The durable ``chat_svc_history``: pulls CHAT_EVENTS' message events in stream order and
writes each batch to the database (batch_writes.py) before acking any of it.

A database error acks nothing: the same batch is written again after a backoff (the writes
are idempotent), its messages kept ours meanwhile (``in_progress``), never skipped: the
durable redelivers without limit (max_deliver -1). Every replica runs one; they share the
durable, and batch_writes' version checks keep a reordered pair right.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from redis.exceptions import RedisError

from chat_svc.events import MessageChanged, MessagePosted, RoomChanged, decode_room_event
from chat_svc.history_writer.batch_writes import write_batch
from chat_svc.history_writer.writer_lag import WriterLag
from chat_svc.models.messages import MessageRecord, record_of
from chat_svc.reads.latest_cache import LatestCache
from service_kit.events import Event, MalformedEventError
from service_kit.messaging.batch_fetch import fetched_batches, sleep_unless
from service_kit.messaging.durable_guard import verify_durables
from service_kit.messaging.jetstream import Topology, publish_dead_letter

log = logging.getLogger(__name__)

DURABLE = "chat_svc_history"
FETCH_BATCH = 200
# After a batch that caught up, the next fetch may wait (CHAT_HISTORY_WRITER_LINGER_SECONDS),
# so what is posted meanwhile is written in one batch: at 100 msg/s and 0.1 s about 10
# messages per insert, pull and index update instead of one each (bench/history_batches.py).
# The database trails the log by as much more; readers see posts at once from the cache.
BATCH_LINGER_SECONDS = 0.0
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)  # then every 10 s, as long as it takes


def decode_history_event(subject: str, data: bytes) -> Event:
    if subject == RoomChanged.SUBJECT:
        try:
            return RoomChanged.model_validate_json(data)
        except ValueError as error:
            raise MalformedEventError("invalid RoomChanged") from error
    return decode_room_event(subject, data)


class HistoryWriter:
    def __init__(
        self,
        js: JetStreamContext,
        topology: Topology,
        lag: WriterLag,
        index: LatestCache | None = None,
        linger_seconds: float = BATCH_LINGER_SECONDS,
    ) -> None:
        """``index``: the Valkey history index (``CHAT_HISTORY_INDEX=valkey``), told about
        what was written, in case it was rebuilt from a database still behind the log."""
        self.js, self.topology, self.lag, self.index = js, topology, lag, index
        self.linger_seconds = linger_seconds
        self.written = 0
        self.batches = 0  # written, each in one go
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        stream = self.topology.consumers[DURABLE][0]
        while not self._stopping.is_set():
            try:
                await verify_durables(self.js, self.topology, [DURABLE], patience=0)
                subscription = await self.js.pull_subscribe_bind(DURABLE, stream)
            except Exception as error:  # NATS down, or the durable not declared yet
                log.warning("cannot bind %s: %s", DURABLE, error)
                await self._sleep(1.0)
                continue
            log.info("history writer bound", extra={"durable": DURABLE})
            try:
                await self._pull(subscription)
            except Exception:  # never a silent end: whatever it was, bind again and go on
                log.exception("history writer failed; binding again")
                await self._sleep(1.0)
            finally:
                with contextlib.suppress(Exception):  # the connection may be gone already
                    await subscription.unsubscribe()

    async def _pull(self, subscription: JetStreamContext.PullSubscription) -> None:
        batches = fetched_batches(
            subscription, DURABLE, FETCH_BATCH, self._stopping, self.linger_seconds
        )
        async with contextlib.aclosing(batches):
            async for messages in batches:
                await self._write(messages)

    async def _write(self, messages: Sequence[Msg]) -> None:
        events = [event for message in messages if (event := await self._decoded(message))]
        self.lag.writing(min(_stored_at(message) for message in messages))
        attempt = 0
        while True:
            try:
                await write_batch(events)
                break
            except Exception as error:  # the database is down or failing: the same batch again
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                self.lag.retrying(error, attempt)
                for message in messages:  # still ours: no redelivery to another replica
                    with contextlib.suppress(Exception):
                        await message.in_progress()
                await self._sleep(delay)
                if self._stopping.is_set():
                    return  # unacked: redelivered after the ack wait, written then
        await self._fill_index(events)
        for message in messages:
            with contextlib.suppress(Exception):  # a lost ack: redelivered, written again
                await message.ack()
        self.written += len(events)
        self.batches += 1
        self.lag.caught_up()

    async def _fill_index(self, events: Sequence[Event]) -> None:
        """A Valkey flushed while the database was behind is rebuilt without the messages
        written since: they are added where absent (a cached version is kept)."""
        if self.index is None:
            return
        by_room: dict[str, dict[int, MessageRecord]] = {}
        for event in events:  # in stream order: each message's newest version stays
            if isinstance(event, MessagePosted | MessageChanged):
                by_room.setdefault(event.room, {})[event.message_id] = record_of(event)
            elif isinstance(event, RoomChanged) and event.change == "deleted":
                # Its deletion emptied the index already: what was posted before it stays
                # out (a new room that took the slug would show it).
                by_room.pop(event.room, None)
        try:
            for room, records in by_room.items():
                await self.index.add_absent(room, list(records.values()))
        except (RedisError, OSError) as error:  # the next rebuild reads the database
            log.warning("history index not told about written messages: %s", error)

    async def _decoded(self, message: Msg) -> Event | None:
        """The event, or None for one that can never be written: dead-lettered (logged)."""
        try:
            return decode_history_event(message.subject, message.data)
        except MalformedEventError as error:
            await publish_dead_letter(self.js, DURABLE, message, f"malformed: {error}")
            log.error("malformed event dead-lettered by %s: %s", DURABLE, error)
            return None

    async def _sleep(self, seconds: float) -> None:
        await sleep_unless(self._stopping, seconds)

    def stop(self) -> None:
        self._stopping.set()


def _stored_at(message: Msg) -> datetime:
    stored = message.metadata.timestamp
    assert stored is not None  # JetStream's messages always carry it
    return stored
