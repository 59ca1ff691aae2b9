"""The history held in Valkey, for a database whose indexes serve no query (FerretDB).

The room's latest set (reads/latest_cache.py, unbounded here) holds every message as the
page shows it, scored by message id; the mention sets hold, per person, the ids of the
messages by others that mention them. Every read is then a range or a count of a sorted
set, whatever the room's size.

The database stays the record. The ``ready`` key says the sets hold the whole room; when it
is missing (Valkey flushed or restarted without its AOF, a key evicted) the room is rebuilt
in the background (``add_absent`` keeps whatever posts and edits wrote meanwhile), while
its reads go to the database: correct, slower (a scan on FerretDB), and only for that room
until the rebuild ends. After a flush every room is missing: one pass over the store
rebuilds all the rooms found missing so far, and one replica rebuilds at a time (a lock
key that expires if the replica dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from chat_svc.models.messages import (
    MessageRecord,
    Unread,
    count_unread_messages,
    messages_of_rooms_in_batches,
    select_highest_event_id,
    select_latest_messages,
    select_message,
    select_messages_before,
    select_messages_from,
)
from chat_svc.reads.latest_cache import (
    LatestCache,
    changes_key,
    deleted_key,
    latest_key,
    mentions_key,
    ready_key,
)
from service_kit.storage.document_store import DatabaseNotReadyError
from service_kit.storage.store_turns import StoreTurns

log = logging.getLogger(__name__)

T = TypeVar("T")

REBUILD_BATCH = 2000
REBUILD_LOCK_SECONDS = 600


# One replica rebuilds at a time; expires if it dies.
REBUILD_LOCK = "chat:history:rebuilding"


class HistoryRebuildingError(DatabaseNotReadyError):
    """The room's index is being rebuilt and the store is busy with another read of it."""


def _decode(raw: list[bytes]) -> list[MessageRecord]:
    return [MessageRecord.model_validate_json(item) for item in raw]


@dataclass
class ValkeyHistory:
    cache: LatestCache  # unbounded: every message of each room
    _missing: set[str] = field(default_factory=set)  # rooms the next rebuild pass fills
    _rebuild: asyncio.Task[None] | None = None
    _turns: StoreTurns = field(
        default_factory=lambda: StoreTurns(
            lambda: HistoryRebuildingError("the history index is being rebuilt")
        )
    )

    @property
    def redis(self) -> Redis:
        return self.cache.redis

    async def latest(self, room: str, count: int) -> list[MessageRecord]:
        found = await self._read(room, lambda pipe: pipe.zrange(latest_key(room), -count, -1))
        if found is not None:
            return _decode(found[0])
        return await self._from_store(lambda: select_latest_messages(room, count))

    async def before(self, room: str, before_id: int, count: int) -> list[MessageRecord]:
        found = await self._read(
            room,
            lambda pipe: pipe.zrevrangebyscore(latest_key(room), f"({before_id}", "-inf", 0, count),
        )
        if found is not None:
            return _decode(list(reversed(found[0])))
        return await self._from_store(lambda: select_messages_before(room, before_id, count))

    async def around(self, room: str, message_id: int, count: int) -> list[MessageRecord]:
        key = latest_key(room)

        def ranges(pipe: Pipeline) -> None:
            pipe.zrevrangebyscore(key, f"({message_id}", "-inf", 0, count)
            pipe.zrangebyscore(key, message_id, "+inf", 0, count + 1)

        found = await self._read(room, ranges)
        if found is not None:
            return _decode(list(reversed(found[0])) + list(found[1]))

        async def from_store() -> list[MessageRecord]:
            older = await select_messages_before(room, message_id, count)
            return older + await select_messages_from(room, message_id, count + 1)

        return await self._from_store(from_store)

    async def message(self, room: str, message_id: int) -> MessageRecord | None:
        key = latest_key(room)
        found = await self._read(room, lambda pipe: pipe.zrangebyscore(key, message_id, message_id))
        if found is not None:
            return next(iter(_decode(found[0])), None)
        return await self._from_store(lambda: select_message(room, message_id))

    async def unread(self, read_positions: dict[str, int], reader: str) -> dict[str, Unread]:
        found: dict[str, Unread] = {}
        from_store: dict[str, int] = {}
        for room, read in read_positions.items():
            after = f"({read}"

            def counts(pipe: Pipeline, room: str = room, after: str = after) -> None:
                pipe.zcount(latest_key(room), after, "+inf")
                pipe.zcount(mentions_key(room, reader), after, "+inf")
                pipe.zrange(latest_key(room), -1, -1, withscores=True)
                pipe.zcount(deleted_key(room), after, "+inf")

            answers = await self._read(room, counts)
            if answers is None:
                from_store[room] = read
            elif count := int(answers[0]) - int(answers[3]):
                found[room] = Unread(count, int(answers[2][0][1]), int(answers[1]))
        if from_store:
            found |= await self._from_store(
                lambda: count_unread_messages(from_store, reader=reader)
            )
        return found

    async def newest_event_id(self, room: str) -> int:
        def newest(pipe: Pipeline) -> None:
            pipe.zrange(latest_key(room), -1, -1, withscores=True)
            pipe.zrange(changes_key(room), -1, -1, withscores=True)

        found = await self._read(room, newest)
        if found is None:
            return await self._from_store(lambda: select_highest_event_id(room))
        scores = cast(list[tuple[bytes, float]], found[0] + found[1])
        return max([0] + [int(score) for _, score in scores])

    async def _from_store(self, read: Callable[[], Awaitable[T]]) -> T:
        """A read the index cannot answer, from the store: service_kit/storage/store_turns.py."""
        rebuilding = self._rebuild is not None and not self._rebuild.done()
        return await self._turns.read(read, rebuilding=rebuilding)

    async def _read(self, room: str, reads: Callable[[Pipeline], object]) -> list[Any] | None:
        """What ``reads`` queues, answered by the index in one round trip; None when the
        room's index is not complete (its rebuild is started) or Valkey is unavailable:
        the caller reads the store."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.exists(ready_key(room))
                reads(pipe)
                ready, *answers = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("latest cache unavailable, reading the store: %s", error)
            return None
        if not ready:
            self._rebuild_soon(room)
            return None
        return answers

    def _rebuild_soon(self, room: str) -> None:
        self._missing.add(room)
        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.create_task(self._rebuild_missing(), name="history rebuild")

    async def _rebuild_missing(self) -> None:
        """The rooms found missing, in one pass over the store for all of them (each pass
        reads the whole collection on FerretDB, however many rooms it serves); rooms found
        missing during a pass wait for the next one."""
        while self._missing:
            rooms, self._missing = self._missing, set()
            if not await self.redis.set(REBUILD_LOCK, b"1", nx=True, ex=REBUILD_LOCK_SECONDS):
                return  # another replica rebuilds; the next read that misses asks again
            try:
                added = 0
                async for batch in messages_of_rooms_in_batches(rooms, REBUILD_BATCH):
                    for room in rooms:
                        of_room = [m for m in batch if m.room == room]
                        if of_room:
                            added += await self.cache.add_absent(room, of_room)
                for room in rooms:
                    await self.cache.mark_ready(room)
                log.info(
                    "history rebuilt from the store", extra={"rooms": len(rooms), "added": added}
                )
            except Exception as error:  # the next read that finds it missing starts it again
                log.warning("history not rebuilt: %s", error)
            finally:
                self._turns.rebuild_ended()
                with contextlib.suppress(Exception):
                    await self.redis.delete(REBUILD_LOCK)

    async def wait_rebuilt(self) -> None:
        """Until the rebuild under way ends (tests, the benchmark)."""
        if self._rebuild is not None:
            await asyncio.gather(self._rebuild, return_exceptions=True)

    async def stop(self) -> None:
        if self._rebuild is not None:
            self._rebuild.cancel()
        await self.wait_rebuilt()
