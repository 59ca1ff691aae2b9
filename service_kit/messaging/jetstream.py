"""NATS connection, JetStream topology, publishing and durable consumers.

Publishing always sets ``Nats-Msg-Id`` to the event id, so a retried publish is dropped by
the stream's duplicate window. Consumers ack only after their handler returned; a handler
that raises gets the message back later (nak with backoff), and a message that cannot be
decoded or keeps failing is copied to ``DEAD_LETTERS`` and terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError

import nats
from service_kit.events import Event, MalformedEventError, decode_event, event_summary
from service_kit.messaging.batch_fetch import fetched_batches, sleep_unless
from service_kit.messaging.durable_guard import verify_durables

log = logging.getLogger(__name__)

TOPOLOGY_FILE = Path(__file__).resolve().parents[2] / "nats" / "jetstream.json"
DEAD_LETTER_STREAM = "DEAD_LETTERS"
DEAD_LETTER_PREFIX = "dead_letter"


ReconnectListener = Callable[[], Awaitable[None]]


async def connect_nats(
    url: str,
    name: str,
    reconnect_listeners: list[ReconnectListener] | None = None,
    **options: Any,
) -> NATS:
    """Connect with unlimited reconnects so a NATS restart is ridden out, not fatal.

    ``url`` may list several servers separated by commas (a cluster). Core NATS drops what
    is published while a client reconnects: ``reconnect_listeners`` (which may be added to
    after connecting) run after each reconnect so their owners can catch up.
    """
    listeners = reconnect_listeners if reconnect_listeners is not None else []

    async def on_disconnect() -> None:
        log.warning("NATS disconnected", extra={"client": name})

    async def on_reconnect() -> None:
        log.info("NATS reconnected", extra={"client": name})
        for listener in listeners:
            try:
                await listener()
            except Exception:
                log.exception("a NATS reconnect listener failed", extra={"client": name})

    async def on_error(error: Exception) -> None:
        log.warning("NATS error: %s", error, extra={"client": name})

    defaults: dict[str, Any] = {
        "name": name,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "connect_timeout": 2,
        "disconnected_cb": on_disconnect,
        "reconnected_cb": on_reconnect,
        "error_cb": on_error,
    }
    return await nats.connect(nats_servers(url), **(defaults | options))


def nats_servers(url: str) -> list[str]:
    """``NATS_URL`` as the servers to try: one URL, or a cluster's, separated by commas."""
    return [server.strip() for server in url.split(",") if server.strip()]


@dataclass(frozen=True)
class Topology:
    streams: list[StreamConfig]
    consumers: dict[str, tuple[str, ConsumerConfig]]  # durable name -> (stream, config)


def load_topology(path: Path = TOPOLOGY_FILE, replicas: int = 1) -> Topology:
    raw = json.loads(path.read_text())
    streams = [StreamConfig(**spec, num_replicas=replicas) for spec in raw["streams"]]
    consumers = {
        spec["durable_name"]: (
            spec["stream"],
            ConsumerConfig(**{k: v for k, v in spec.items() if k != "stream"}),
        )
        for spec in raw["consumers"]
    }
    return Topology(streams=streams, consumers=consumers)


async def ensure_streams(js: JetStreamContext, topology: Topology) -> None:
    """Create each stream, or bring an existing one to the declared config."""
    for config in topology.streams:
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream", extra={"stream": config.name})
        else:
            await js.update_stream(config)


async def publish_event(js: JetStreamContext, event: Event, ack_timeout: float = 2.0) -> bool:
    """Publish durably; returns False when the stream had already seen this event id."""
    return await publish_payload(js, event.SUBJECT, event.to_bytes(), str(event.id), ack_timeout)


async def publish_payload(
    js: JetStreamContext,
    subject: str,
    payload: bytes,
    event_id: str,
    ack_timeout: float = 2.0,
    headers: dict[str, str] | None = None,
) -> bool:
    """``publish_event`` for an event already serialised (an outbox keeps the bytes)."""
    sent = {"Nats-Msg-Id": event_id} | (headers or {})
    ack = await js.publish(subject, payload, timeout=ack_timeout, headers=sent)
    return not ack.duplicate


EventHandler = Callable[[Event], Awaitable[None]]


class DeadLetterError(Exception):
    """Raised by a handler for an event that can never succeed (no retry)."""


class RetryLaterError(Exception):
    """Raised by a handler that must not handle the event yet: redeliver after ``delay``."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.delay = delay


@dataclass
class ConsumerStats:
    handled: int = 0
    retried: int = 0
    dead_lettered: int = 0


@dataclass
class DurableConsumer:
    """Pulls a durable consumer's messages and hands decoded events to one handler.

    The durable is declared by the set-up step; it is checked (exactly as declared) before
    each bind, and a missing or reshaped one is not pulled from. ``backoff`` is the nak
    delay by delivery attempt; after ``max_attempts`` the message is dead-lettered. Runs
    until ``stop()``; NATS outages are waited out.
    """

    js: JetStreamContext
    topology: Topology
    durable: str
    handler: EventHandler
    max_attempts: int | None = None  # default: the consumer's max_deliver
    backoff: tuple[float, ...] = (1.0, 2.0, 5.0, 15.0, 30.0)
    batch: int = 10
    # How a message becomes an event: by its exact subject, or the consumer's own (per-room
    # subjects, chat_svc/search/indexer.py).
    decode: Callable[[str, bytes], Event] = decode_event
    # Hand a fetched batch to the handler all at once (a handler that groups its work, such
    # as one search-index commit per batch, and is idempotent in any order).
    together: bool = False
    # After a batch that caught up, wait this long before the next fetch so what arrives
    # meanwhile comes in one batch (batch_fetch.py).
    linger_seconds: float = 0.0
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    bound: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if self.max_attempts is None:
            declared = self.topology.consumers[self.durable][1].max_deliver
            self.max_attempts = declared if declared and declared > 0 else 5

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await verify_durables(self.js, self.topology, [self.durable], patience=0)
                stream = self.topology.consumers[self.durable][0]
                subscription = await self.js.pull_subscribe_bind(self.durable, stream)
            except Exception as error:  # NATS down, or the durable gone: keep trying
                log.warning("cannot bind consumer %s: %s", self.durable, error)
                await self._sleep(1.0)
                continue
            self.bound.set()
            log.info("consumer bound", extra={"durable": self.durable, "stream": stream})
            try:
                await self._pull(subscription)
            finally:
                self.bound.clear()
                with contextlib.suppress(Exception):  # the connection may be gone already
                    await subscription.unsubscribe()

    async def _pull(self, subscription: JetStreamContext.PullSubscription) -> None:
        batches = fetched_batches(
            subscription, self.durable, self.batch, self._stopping, self.linger_seconds
        )
        async with contextlib.aclosing(batches):
            async for messages in batches:
                if self.together:
                    await asyncio.gather(*(self._settle(message) for message in messages))
                else:
                    for message in messages:
                        await self._settle(message)

    async def _settle(self, message: Msg) -> None:
        try:
            await self.process(message)
        except Exception as error:  # ack/nak lost in a NATS outage: redelivered later
            log.warning(
                "could not settle a message on %s (it will be redelivered): %s",
                self.durable,
                error,
            )

    async def process(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered
        try:
            event = self.decode(message.subject, message.data)
        except MalformedEventError as error:
            await self._dead_letter(message, f"malformed: {error}")
            return
        summary = event_summary(event) | {"durable": self.durable, "attempt": attempt}
        try:
            await self.handler(event)
        except DeadLetterError as error:
            await self._dead_letter(message, str(error), summary)
        except Exception as error:
            if attempt >= (self.max_attempts or 1):
                await self._dead_letter(message, f"gave up after {attempt} attempts: {error}")
                return
            if isinstance(error, RetryLaterError):
                delay = error.delay
            else:
                delay = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
            self.stats.retried += 1
            log.warning("handler failed, retrying in %.1fs: %s", delay, error, extra=summary)
            await message.nak(delay=delay)
        else:
            await message.ack()
            self.stats.handled += 1
            log.debug("event handled", extra=summary)

    async def _dead_letter(
        self, message: Msg, reason: str, summary: dict[str, Any] | None = None
    ) -> None:
        await publish_dead_letter(self.js, self.durable, message, reason)
        await message.term()
        self.stats.dead_lettered += 1
        log.error(
            "event dead-lettered: %s",
            reason,
            extra=(summary or {}) | {"durable": self.durable, "subject": message.subject},
        )

    async def _sleep(self, seconds: float) -> None:
        await sleep_unless(self._stopping, seconds)

    def stop(self) -> None:
        self._stopping.set()


async def publish_dead_letter(
    js: JetStreamContext, durable: str, message: Msg, reason: str
) -> None:
    """A copy of ``message`` under the dead-letter subject, saying which durable gave up and
    why; one copy per stream sequence (``Nats-Msg-Id``), so a repeated attempt adds none."""
    headers = {
        "Nats-Msg-Id": f"{durable}:{message.metadata.sequence.stream}",
        "Dead-Letter-Reason": reason[:500],
        "Dead-Letter-Consumer": durable,
        "Original-Subject": message.subject,
    }
    await js.publish(f"{DEAD_LETTER_PREFIX}.{message.subject}", message.data, headers=headers)
