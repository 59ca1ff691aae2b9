"""Sessions' last use, carried to the store in one inserted batch per replica and interval.

With the Valkey index the store needs a session's last use only to rebuild the index (and
to read while it rebuilds). Upserting it per session (``session_activity``, once a minute
each) costs FerretDB a scan of every activity document: 0.43 s at 100,000 sessions, so
150 sessions in use would keep it busy. Instead each replica inserts one
``session_use_batches`` document per ``FLUSH_SECONDS`` holding every session it saw used,
however many. A batch older than the longest idle time says nothing a reader needs (such a
session is idle by either reading) and is deleted. A replica that dies loses at most one
interval of uses: sessions look idle up to that much earlier, as with the upsert."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from auth_svc.models.documents import SessionDocument, SessionUseBatch, as_utc, new_id
from service_kit.events import utc_now

log = logging.getLogger(__name__)

FLUSH_SECONDS = 60.0
KEEP = timedelta(days=2)  # past any idle timeout a deployment sets (12 h by default)
PRUNE_EVERY = timedelta(hours=1)


def _batches() -> AsyncCollection[dict[str, Any]]:
    return SessionUseBatch.get_pymongo_collection()


class UseBatches:
    def __init__(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._pending: dict[str, datetime] = {}
        self._flush_seconds = flush_seconds
        self._task: asyncio.Task[None] | None = None
        self._pruned_at = datetime.min.replace(tzinfo=UTC)

    def note(self, session_id: str, used_at: datetime) -> None:
        self._pending[session_id] = used_at
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_every(), name="session use batches")

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        now = utc_now()
        try:
            uses = [{"s": sid, "at": at} for sid, at in pending.items()]
            await _batches().insert_one({"_id": new_id(), "at": now, "uses": uses})
        except PyMongoError as error:  # kept for the next flush, unless newer by then
            log.warning("session uses not stored: %s", error)
            self._pending = pending | self._pending
            return
        if now - self._pruned_at > PRUNE_EVERY:  # a scan of the batches on FerretDB
            self._pruned_at = now
            with contextlib.suppress(PyMongoError):
                await _batches().delete_many({"at": {"$lt": now - KEEP}})

    async def _flush_every(self) -> None:
        while self._pending:
            await asyncio.sleep(self._flush_seconds)
            await self.flush()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


async def last_uses_in_store(session_id: str | None = None) -> dict[str, datetime]:
    """Each session's latest use in the batches (one session's, or every one's)."""
    latest: dict[str, datetime] = {}
    async for batch in _batches().find(batch_size=1000):
        for use in batch["uses"]:  # not pairs: FerretDB refuses nested arrays
            sid = use["s"]
            if session_id is not None and sid != session_id:
                continue
            moment = as_utc(use["at"])
            if sid not in latest or latest[sid] < moment:
                latest[sid] = moment
    return latest


async def with_batched_use(read: Awaitable[SessionDocument | None]) -> SessionDocument | None:
    """A session from the store, with its latest use carried in a batch."""
    session = await read
    if session is not None:
        used = (await last_uses_in_store(session.id)).get(session.id)
        if used is not None and used > as_utc(session.last_seen_at):
            session.last_seen_at = used
    return session
