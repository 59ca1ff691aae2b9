"""Runs mail_svc's durable consumers for as long as the app serves: ``mail_svc`` on
AUTH_EVENTS (account e-mails) and ``mail_svc_mentions`` on CHAT_EVENTS (mention e-mails).
Both hand events to the same delivery, with one record of sent event ids.

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
from service_kit.lifecycle import infrastructure_of
from service_kit.messaging.jetstream import DurableConsumer
from service_kit.messaging.processed_events import ProcessedEvents

log = logging.getLogger(__name__)

DURABLE = "mail_svc"
MENTIONS_DURABLE = "mail_svc_mentions"
DURABLES = (DURABLE, MENTIONS_DURABLE)  # declared by the set-up step, checked at start-up
_KEY = "mail_worker"
# NATS already answered when the infrastructure opened, so binding normally takes
# milliseconds; waiting for it makes the service ready as soon as it serves.
BIND_PATIENCE_SECONDS = 5.0


class ConsumerNotBoundError(RuntimeError):
    """A durable consumer is not bound (NATS down, or the worker stopped)."""


@dataclass
class MailWorker:
    consumers: tuple[DurableConsumer, ...]
    delivery: MailDelivery
    stop_grace_seconds: float
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False)
    _stopping: bool = field(default=False, init=False)

    @classmethod
    def build(cls, settings: MailSettings, infrastructure: Infrastructure) -> MailWorker:
        smtp = SmtpClient(settings)
        sent_ids = ProcessedEvents(
            infrastructure.redis, DURABLE, ttl_seconds=settings.sent_ids_ttl_seconds
        )
        delivery = MailDelivery(settings, smtp, sent_ids)
        consumers = tuple(
            DurableConsumer(
                infrastructure.js,
                infrastructure.topology,
                durable,
                delivery.handle,
                max_attempts=settings.max_attempts,
                backoff=settings.retry_backoff_seconds,
                batch=settings.fetch_batch,
            )
            for durable in DURABLES
        )
        # A stop lets the fetched batch finish; each message may take one SMTP timeout.
        grace = settings.fetch_batch * settings.smtp_timeout_seconds + 5.0
        return cls(consumers=consumers, delivery=delivery, stop_grace_seconds=grace)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise(consumer), name=f"{consumer.durable} consumer")
            for consumer in self.consumers
        ]

    async def all_bound(self) -> None:
        for consumer in self.consumers:
            await consumer.bound.wait()

    async def _supervise(self, consumer: DurableConsumer) -> None:
        # An ack or nak lost to a NATS outage escapes the consumer's loop: bind again.
        while not self._stopping:
            try:
                await consumer.run()
            except Exception:
                log.exception("mail consumer %s stopped unexpectedly; restarting", consumer.durable)
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._stopping = True
        for consumer in self.consumers:
            consumer.stop()
        if not self._tasks:
            return
        running = asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(asyncio.shield(running), self.stop_grace_seconds)
        except TimeoutError:
            # Unacked messages come back after the consumer's ack_wait: nothing is lost.
            log.warning("mail consumers did not stop in time; cancelling them")
            for task in self._tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def check_bound(self) -> None:
        if len(self._tasks) != len(self.consumers):
            raise ConsumerNotBoundError("the mail consumers are not running")
        for consumer, task in zip(self.consumers, self._tasks, strict=True):
            if task.done() or not consumer.bound.is_set():
                raise ConsumerNotBoundError(f"durable {consumer.durable!r} is not bound")

    def metrics(self) -> dict[str, int]:
        return {
            "sent": self.delivery.counters.sent,
            "retried": sum(consumer.stats.retried for consumer in self.consumers),
            "dead_lettered": sum(consumer.stats.dead_lettered for consumer in self.consumers),
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
            await asyncio.wait_for(worker.all_bound(), BIND_PATIENCE_SECONDS)
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
