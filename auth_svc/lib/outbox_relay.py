"""Publishes outbox entries to JetStream and marks them sent (see models/outbox.py).

A flow commits through ``OutboxRelay.commit``, which writes the entry, applies its changes
and wakes the relay. The relay runs as a background task for the app's lifetime: when
NATS is down, publishing fails, the entry is postponed and retried until NATS is back.
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
    insert_outbox_entry,
    mark_outbox_entry_sent,
    postpone_outbox_entry,
)
from service_kit.events import Event
from service_kit.jetstream import publish_payload
from service_kit.logging_setup import ThrottledLog

log = logging.getLogger(__name__)


@dataclass
class OutboxRelay:
    js: JetStreamContext
    lease: timedelta = timedelta(seconds=30)
    idle_poll: float = 1.0
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
    publish_timeout: float = 2.0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    # A dead database fails every poll: one line per 10 s says so without flooding the log.
    _unreachable_log: ThrottledLog = field(default_factory=lambda: ThrottledLog(log, 10.0))

    async def commit(self, changes: list[Change], events: list[Event]) -> OutboxDocument:
        """Record the changes with their events, apply them, and have the events published.

        Raises ChangeRejectedError when the changes conflict with the stored state.
        """
        entry = await insert_outbox_entry(changes, events)
        try:
            await apply_outbox_changes(entry)
        finally:
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
        while not self._stopping.is_set():
            try:
                entry = await claim_next_outbox_entry(self.lease)
            except Exception as error:  # store unreachable: try again shortly
                self._unreachable_log.warning(
                    "outbox: cannot read entries: %s: %s", type(error).__name__, error
                )
                await self._idle(self.idle_poll)
                continue
            if entry is None:
                await self._idle(self.idle_poll)
                continue
            await self.relay(entry)

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
            await mark_outbox_entry_sent(entry.id)
        except ChangeRejectedError:
            log.warning("outbox: entry discarded, its changes conflict", extra=fields)
        except Exception as error:
            delay = self.retry_delays[min(entry.attempts, len(self.retry_delays)) - 1]
            log.warning("outbox: publish failed, retrying in %.1fs: %s", delay, error, extra=fields)
            with contextlib.suppress(Exception):
                await postpone_outbox_entry(entry.id, timedelta(seconds=delay))
        else:
            log.info("outbox: events published", extra=fields)

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
