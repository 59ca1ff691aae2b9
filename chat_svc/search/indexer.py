"""Feeds the index from JetStream: the durable ``chat_svc_search`` consumer on every
message event (posted, edited, deleted) and on RoomChanged (a deleted room's documents go),
run by the replica that holds the index's writer.

Each replica tries for the writer at start and again every ``WRITER_RETRY_SECONDS``; the one
that gets it rebuilds an index that was missing (from the database), then pulls. An event is
acked once its commit is done; applying is idempotent by message id and version
(index_writer.py), so a redelivery, a replay or a restart changes nothing. The same replica
answers ``chat-search.rebuild`` (``just search-rebuild``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from pydantic import ValidationError

from chat_svc.events import MessageChanged, MessagePosted, RoomChanged, decode_room_event
from chat_svc.models.messages import MessageRecord, messages_of_rooms_in_batches, record_of
from chat_svc.models.rooms import Room
from chat_svc.search.index_schema import mark_complete
from chat_svc.search.index_writer import DeletedRoom, IndexWriter
from chat_svc.search.search_index import SearchIndex
from service_kit.events import Event, MalformedEventError
from service_kit.messaging.jetstream import DeadLetterError, DurableConsumer, Topology

log = logging.getLogger(__name__)

DURABLE = "chat_svc_search"
# Outside ``chat.>``: CHAT_EVENTS would store the request and answer it itself.
REBUILD_SUBJECT = "chat-search.rebuild"
WRITER_RETRY_SECONDS = 2.0
STORE_BATCH = 1000
FETCH_BATCH = 200  # committed together (index_writer.IndexWriter.add)
# After a batch that caught up, the next fetch waits this long: at 100 msg/s a fetch
# otherwise brings about one message and the index commits (a new segment, an fsync) per
# message. A message waits at most this much more to be found; the goal is p99 1 s
# (docs/performance.md, "index lag").
LINGER_SECONDS = 0.2


async def messages_in_store() -> AsyncIterator[MessageRecord]:
    rooms = [room.slug for room in await Room.find_all().to_list()]
    async for batch in messages_of_rooms_in_batches(rooms, STORE_BATCH):
        for message in batch:
            yield message


def decode_index_event(subject: str, data: bytes) -> Event:
    if subject != RoomChanged.SUBJECT:
        return decode_room_event(subject, data)
    try:
        return RoomChanged.model_validate_json(data)
    except ValidationError as error:
        raise MalformedEventError("invalid RoomChanged") from error


class SearchIndexer:
    def __init__(
        self,
        nats: NATS,
        js: JetStreamContext,
        topology: Topology,
        search: SearchIndex,
        created: bool,
    ) -> None:
        self.nats, self.js, self.topology = nats, js, topology
        self.search = search
        self.missing = created  # the index was created empty: rebuild before pulling
        self.writer: IndexWriter | None = None
        self.consumer = DurableConsumer(
            js,
            topology,
            DURABLE,
            self.handle,
            batch=FETCH_BATCH,
            decode=decode_index_event,
            together=True,
            linger_seconds=LINGER_SECONDS,
        )
        self._stopping = asyncio.Event()
        self._rebuild_subscription: Subscription | None = None

    async def handle(self, event: Event) -> None:
        assert self.writer is not None  # only the writer's replica pulls
        if isinstance(event, RoomChanged):  # in the stream's order: after the room's posts
            if event.change == "deleted":
                await self.writer.add(DeletedRoom(event.room))
            return
        if not isinstance(event, MessagePosted | MessageChanged):
            raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
        await self.writer.add(record_of(event))

    async def run(self) -> None:
        while self.writer is None:
            self.writer = IndexWriter.try_open(self.search.index)
            if self.writer is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), WRITER_RETRY_SECONDS)
                if self._stopping.is_set():
                    return
        log.info("this replica writes the search index")
        self._rebuild_subscription = await self.nats.subscribe(REBUILD_SUBJECT, cb=self._on_rebuild)
        try:
            if self.missing:
                await self.rebuild()
            await self.consumer.run()
        finally:
            with contextlib.suppress(Exception):  # the connection may be gone already
                await self._rebuild_subscription.unsubscribe()
            # Releases the lock file: another replica takes over the writing.
            await self.writer.close()

    async def rebuild(self) -> int:
        assert self.writer is not None
        count = await self.writer.rebuild(messages_in_store())
        mark_complete(self.search.path)
        self.missing = False
        log.info("search index rebuilt from the database", extra={"messages": count})
        return count

    async def _on_rebuild(self, message: Msg) -> None:
        try:
            count = await self.rebuild()
        except Exception as error:
            log.exception("search rebuild failed")
            await message.respond(json.dumps({"error": str(error)}).encode())
        else:
            await message.respond(json.dumps({"messages": count}).encode())

    def stop(self) -> None:
        """``run`` returns soon after, having closed the writer."""
        self._stopping.set()
        self.consumer.stop()
