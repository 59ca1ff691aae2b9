"""How far the database is behind the log: the age of the oldest event this replica is
writing (a batch the database refused stays in hand, so its age grows through an outage)
and the events the durable has not handed out yet.

``/readyz`` reports it and never fails on it: every replica is equally behind when the
database is, and taking them all out of the load balancer would stop posting, the opposite
of the goal. Past ``CHAT_HISTORY_LAG_ALERT_SECONDS`` an error is logged every minute instead:
CHAT_EVENTS keeps events 26 h, the promised outage is 24 h (docs/deploy.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext

log = logging.getLogger(__name__)

ALERT_EVERY_SECONDS = 60.0


@dataclass
class WriterLag:
    js: JetStreamContext
    stream: str
    durable: str
    alert_seconds: float
    _oldest_unwritten: datetime | None = None
    _alerted_at: float = float("-inf")

    def writing(self, oldest: datetime) -> None:
        self._oldest_unwritten = oldest

    def caught_up(self) -> None:
        self._oldest_unwritten = None

    def age_seconds(self) -> float:
        if self._oldest_unwritten is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - self._oldest_unwritten).total_seconds())

    def retrying(self, error: Exception, attempt: int) -> None:
        age = self.age_seconds()
        log.warning("history not written (attempt %d, %.0f s behind): %s", attempt, age, error)
        now = time.monotonic()
        if age > self.alert_seconds and now - self._alerted_at >= ALERT_EVERY_SECONDS:
            self._alerted_at = now
            log.error(
                "the database is %.0f s behind the log (alert past %.0f s): CHAT_EVENTS keeps "
                "26 h of events; restore the database before then or messages are lost",
                age,
                self.alert_seconds,
            )

    async def report(self) -> dict[str, object]:
        """For ``/readyz``: the lag, whether it passed the alert, the events not handed out."""
        age = self.age_seconds()
        info = await self.js.consumer_info(self.stream, self.durable)
        return {
            "lag_seconds": round(age, 1),
            "alert": age > self.alert_seconds,
            "pending": info.num_pending or 0,
            "unacknowledged": info.num_ack_pending or 0,
        }
