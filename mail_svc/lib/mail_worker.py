"""Runs the ``mail_svc`` durable consumer for as long as the app serves.

The worker starts after the infrastructure is open and stops before it closes (Quart's
``while_serving`` wraps the whole serving period, so its exit runs before any
``after_serving`` hook, including the one that drains NATS).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from quart import Quart, current_app

from mail_svc.lib.mail_delivery import MailDelivery
from mail_svc.lib.smtp_client import SmtpClient
from mail_svc.settings import MailSettings
from service_kit.infrastructure import Infrastructure
from service_kit.jetstream import DurableConsumer
from service_kit.lifecycle import infrastructure_of
from service_kit.processed_events import ProcessedEvents

log = logging.getLogger(__name__)

DURABLE = "mail_svc"
_KEY = "mail_worker"
# NATS already answered when the infrastructure opened, so binding normally takes
# milliseconds; waiting for it makes the service ready as soon as it serves.
BIND_PATIENCE_SECONDS = 5.0


class ConsumerNotBoundError(RuntimeError):
    """The durable consumer is not bound (NATS down, or the worker stopped)."""


@dataclass
class MailWorker:
    consumer: DurableConsumer
    delivery: MailDelivery
    stop_grace_seconds: float
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)

    @classmethod
    def build(cls, settings: MailSettings, infrastructure: Infrastructure) -> MailWorker:
        smtp = SmtpClient(settings)
        sent_ids = ProcessedEvents(
            infrastructure.redis, DURABLE, ttl_seconds=settings.sent_ids_ttl_seconds
        )
        delivery = MailDelivery(settings, smtp, sent_ids)
        consumer = DurableConsumer(
            infrastructure.js,
            infrastructure.topology,
            DURABLE,
            delivery.handle,
            max_attempts=settings.max_attempts,
            backoff=settings.retry_backoff_seconds,
            batch=settings.fetch_batch,
        )
        # A stop lets the fetched batch finish; each message may take one SMTP timeout.
        grace = settings.fetch_batch * settings.smtp_timeout_seconds + 5.0
        return cls(consumer=consumer, delivery=delivery, stop_grace_seconds=grace)

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="mail_svc consumer")

    async def _supervise(self) -> None:
        # An ack or nak lost to a NATS outage escapes the consumer's loop: bind again.
        while not self._stopping:
            try:
                await self.consumer.run()
            except Exception:
                log.exception("mail consumer stopped unexpectedly; restarting")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._stopping = True
        self.consumer.stop()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.stop_grace_seconds)
        except TimeoutError:
            # Unacked messages come back after the consumer's ack_wait: nothing is lost.
            log.warning("mail consumer did not stop in time; cancelling it")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check_bound(self) -> None:
        running = self._task is not None and not self._task.done()
        if not (running and self.consumer.bound.is_set()):
            raise ConsumerNotBoundError(f"durable {DURABLE!r} is not bound")

    def metrics(self) -> dict[str, int]:
        return {
            "sent": self.delivery.counters.sent,
            "retried": self.consumer.stats.retried,
            "dead_lettered": self.consumer.stats.dead_lettered,
            "duplicates_skipped": self.delivery.counters.duplicates_skipped,
            "deferred_in_progress": self.delivery.counters.deferred_in_progress,
            "resent_abandoned": self.delivery.counters.resent_abandoned,
            "not_needed": self.delivery.counters.not_needed,
        }


def manage_mail_worker(app: Quart, settings: MailSettings) -> None:
    """Run the worker while serving; call after ``manage_infrastructure``."""

    @app.while_serving
    async def _run_worker() -> AsyncGenerator[None, None]:
        worker = MailWorker.build(settings, infrastructure_of(app))
        app.extensions[_KEY] = worker
        checks = app.blueprints["health"].checks  # type: ignore[attr-defined]
        checks["consumer"] = worker.check_bound
        checks["smtp"] = worker.delivery.smtp.ping
        worker.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.consumer.bound.wait(), BIND_PATIENCE_SECONDS)
        try:
            yield
        finally:
            await worker.stop()
            checks.pop("consumer", None)
            checks.pop("smtp", None)
            app.extensions.pop(_KEY, None)


def mail_worker_of(app: Quart | None = None) -> MailWorker | None:
    target = app if app is not None else current_app
    worker: MailWorker | None = target.extensions.get(_KEY)
    return worker
