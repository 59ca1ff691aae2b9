"""Publishes outbox entries to JetStream and deletes them (see models/outbox.py).

A flow commits through ``OutboxRelay.commit``, which writes the entry (leased to this
process), applies its changes and hands the entry to the relay in memory: publishing it
costs no claim and no scan, just the publish. Published entries are deleted together,
once per ``idle_poll`` (one database operation for a second's sign-ins instead of one
each); until then their lease keeps other relays off them, and should this process die
first, the entries are published again after the lease, which ``Nats-Msg-Id`` and the
consumers' idempotence absorb. The relay runs as a background task for the app's
lifetime; once per ``idle_poll`` it also claims entries whose lease ran out (a crashed
process, a failed publish). When NATS is down, publishing
fails, the entry is postponed and retried until NATS is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from nats.js import JetStreamContext

from auth_svc.models.documents import OutboxDocument
from auth_svc.models.outbox import (
    Change,
    ChangeRejectedError,
    apply_outbox_changes,
    claim_next_outbox_entry,
    delete_sent_outbox_entries,
    insert_outbox_entry,
    may_skip_applied_record,
    postpone_outbox_entry,
)
from service_kit.events import Event
from service_kit.logging_setup import ThrottledLog
from service_kit.messaging.jetstream import publish_payload

log = logging.getLogger(__name__)


@dataclass
class OutboxRelay:
    js: JetStreamContext
    lease: timedelta = timedelta(seconds=30)
    idle_poll: float = 1.0
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    publish_timeout: float = 2.0
    delete_batch: int = 200  # published entries deleted at once, at the latest
    _committed: asyncio.Queue[OutboxDocument] = field(default_factory=asyncio.Queue)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _published: list[str] = field(default_factory=list)  # ids, to delete in one operation
    # A dead database fails every poll: one line per 10 s says so without flooding the log.
    _unreachable_log: ThrottledLog = field(default_factory=lambda: ThrottledLog(log, 10.0))

    async def commit(self, changes: list[Change], events: list[Event]) -> OutboxDocument:
        """Record the changes with their events, apply them, and have the events published.

        Raises ChangeRejectedError when the changes conflict with the stored state.
        """
        entry = await insert_outbox_entry(changes, events, leased_for=self.lease)
        await apply_outbox_changes(entry, record=not may_skip_applied_record(changes))
        # Applied: ours to publish now. On failure it stays leased, then a poll retries it.
        self._committed.put_nowait(entry)
        self._wake.set()
        return entry

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        next_poll = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            while not self._committed.empty():
                await self.relay(self._committed.get_nowait())
            if loop.time() < next_poll:
                await self._idle(next_poll - loop.time())
                continue
            next_poll = loop.time() + self.idle_poll
            await self._delete_published()
            try:
                entry = await claim_next_outbox_entry(self.lease)
            except Exception as error:  # store unreachable: try again shortly
                self._unreachable_log.warning(
                    "outbox: cannot read entries: %s: %s", type(error).__name__, error
                )
                await self._idle(self.idle_poll)
                continue
            if entry is None:
                continue
            await self.relay(entry)
            next_poll = 0.0  # a backlog: keep claiming until it is empty
        while not self._committed.empty():  # committed before the stop: publish them now
            await self.relay(self._committed.get_nowait())
        await self._delete_published()

    async def _delete_published(self) -> None:
        ids, self._published = self._published, []
        if not ids:
            return
        try:
            await delete_sent_outbox_entries(ids)
        except Exception as error:  # their leases run out; then they go out again, deduplicated
            self._unreachable_log.warning(
                "outbox: cannot delete sent entries: %s: %s", type(error).__name__, error
            )

    async def relay(self, entry: OutboxDocument) -> None:
        fields = {"outbox_entry": entry.id, "event_ids": entry.event_ids, "attempt": entry.attempts}
        try:
            if entry.applied_at is None:
                await apply_outbox_changes(entry)
            for event in entry.events:
                await publish_payload(
                    self.js,
                    event["subject"],
                    event["payload"].encode(),
                    event["event_id"],
                    self.publish_timeout,
                )
            self._published.append(entry.id)
            if len(self._published) >= self.delete_batch:
                await self._delete_published()
        except ChangeRejectedError:
            log.warning("outbox: entry discarded, its changes conflict", extra=fields)
        except Exception as error:
            # A claimed entry counts its attempts; one handed over by commit is on its first.
            attempt = max(entry.attempts, 1)
            delay = self.retry_delays[min(attempt, len(self.retry_delays)) - 1]
            log.warning("outbox: publish failed, retrying in %.1fs: %s", delay, error, extra=fields)
            with contextlib.suppress(Exception):
                await postpone_outbox_entry(entry, timedelta(seconds=delay))
        else:
            log.info("outbox: events published", extra=fields)

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
