"""The history read straight from the store's indexes (production on MongoDB: each query
below is a range of ``ChatMessage``'s (room, message_id) or (room, event_id) index). The
room page still reads its newest messages from the bounded latest cache first."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

from redis.exceptions import RedisError

from chat_svc.models.messages import (
    MessageRecord,
    Unread,
    count_unread_messages,
    select_highest_event_id,
    select_latest_messages,
    select_message,
    select_messages_before,
    select_messages_from,
)
from chat_svc.reads.latest_cache import LatestCache, latest_key, latest_through_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseHistory:
    cache: LatestCache  # the newest messages only (``latest_cache_size``)

    async def latest(self, room: str, count: int) -> list[MessageRecord]:
        try:
            return await latest_through_cache(self.cache, room, count, select_latest_messages)
        except (RedisError, OSError) as error:
            log.warning("latest cache unavailable, reading the store: %s", error)
            return await select_latest_messages(room, count)

    async def before(self, room: str, before_id: int, count: int) -> list[MessageRecord]:
        return await select_messages_before(room, before_id, count)

    async def around(self, room: str, message_id: int, count: int) -> list[MessageRecord]:
        older = await select_messages_before(room, message_id, count)
        return older + await select_messages_from(room, message_id, count + 1)

    async def unread(self, read_positions: dict[str, int], reader: str) -> dict[str, Unread]:
        return await count_unread_messages(read_positions, reader=reader)

    async def message(self, room: str, message_id: int) -> MessageRecord | None:
        # The cache first: with posts acknowledged by the log a message just posted (or
        # posted while the database is down) may not be stored yet (chat_svc/history_writer/).
        try:
            found = await self.cache.redis.zrangebyscore(latest_key(room), message_id, message_id)
            cached = cast(list[bytes], found)
        except (RedisError, OSError):
            cached = []
        newest = max(
            (MessageRecord.model_validate_json(item) for item in cached),
            key=lambda message: message.stream_id,
            default=None,
        )
        return newest if newest is not None else await select_message(room, message_id)

    async def newest_event_id(self, room: str) -> int:
        return await select_highest_event_id(room)

    async def wait_rebuilt(self) -> None:
        return None  # nothing is rebuilt in the background: the store is the index

    async def stop(self) -> None:
        return None
