"""How full CHAT_EVENTS' storage is: reported in ``/readyz`` and alerted on long before it
fills.

CHAT_EVENTS keeps every event 26 h (``max_age``) whether the history writer wrote it or not,
so it holds about 26 h of the sustained rate, in an outage or not. It declares ``max_bytes``
(nats/jetstream.json) with ``discard: new``: once full, JetStream refuses new events and
posts answer 503. The limit measured against is that ``max_bytes``, or the account's storage
limit if the account sets one and it is the fuller (nats-server reports none for the default
account, whose limit is the server's ``max_file_store``: that is why the stream declares its
own). Past ``STORE_ALERT_FRACTION`` an error is logged every minute (checked every minute
whether or not ``/readyz`` is asked), like the history writer's lag alert (writer_lag.py);
readiness never fails on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from nats.js import JetStreamContext

from service_kit.messaging.batch_fetch import sleep_unless

log = logging.getLogger(__name__)

# The stream grows over the 26 h it keeps as a rate rises: 70% leaves hours to raise it.
STORE_ALERT_FRACTION = 0.7
CHECK_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class StoreUse:
    used_bytes: int  # what counts against the limit
    limit_bytes: int | None  # None: neither the stream nor the account reports one

    @property
    def full(self) -> float | None:
        return None if not self.limit_bytes else self.used_bytes / self.limit_bytes


def nearer_limit(
    stream_bytes: int, stream_max_bytes: int | None, account_bytes: int, account_max: int
) -> StoreUse:
    """The limit that is the fuller: the stream's ``max_bytes`` (its own bytes) or the
    account's storage (every stream's bytes); -1 or 0 is no limit."""
    candidates = [StoreUse(stream_bytes, stream_max_bytes)] if (stream_max_bytes or 0) > 0 else []
    if account_max > 0:
        candidates.append(StoreUse(account_bytes, account_max))
    if not candidates:
        return StoreUse(account_bytes, None)
    return max(candidates, key=lambda use: use.full or 0.0)


@dataclass
class EventsStore:
    js: JetStreamContext
    stream: str
    alert_fraction: float = STORE_ALERT_FRACTION
    _alerted_at: float = float("-inf")
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def report(self) -> dict[str, object]:
        """For ``/readyz`` (merged into the history writer's report); logs the alert."""
        info = await self.js.stream_info(self.stream)
        account = await self.js.account_info()
        use = nearer_limit(
            info.state.bytes, info.config.max_bytes, account.storage, account.limits.max_storage
        )
        full = use.full
        alert = full is not None and full >= self.alert_fraction
        if alert:
            self._alert(use)
        return {
            "stream_bytes": info.state.bytes,
            "store_bytes": use.used_bytes,
            "store_limit_bytes": use.limit_bytes,
            "store_full": None if full is None else round(full, 3),
            "store_alert": alert,
        }

    def _alert(self, use: StoreUse) -> None:
        now = time.monotonic()
        if now - self._alerted_at < CHECK_EVERY_SECONDS:
            return
        self._alerted_at = now
        log.error(
            "JetStream's storage for %s is %.0f%% full (%d of %d bytes; alert past %.0f%%): "
            "when it is full JetStream refuses new events and posts answer 503; raise its "
            "max_bytes and max_file_store (docs/deploy.md, NATS nodes)",
            self.stream,
            100 * (use.full or 0.0),
            use.used_bytes,
            use.limit_bytes or 0,
            100 * self.alert_fraction,
        )

    async def watch(self) -> None:
        """Checks every minute until ``stop()``, so the alert is logged unasked."""
        while not self._stopping.is_set():
            try:
                await self.report()
            except Exception as error:  # NATS down: the next check tries again
                log.warning("cannot read %s's storage: %s", self.stream, error)
            await sleep_unless(self._stopping, CHECK_EVERY_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
