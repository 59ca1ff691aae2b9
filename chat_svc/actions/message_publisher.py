"""Publishing a stored post or change so that every replica's open streams get it.

A publish JetStream did not acknowledge (a NATS node or the stream's leader died
mid-publish, a reconnect) may or may not have reached the replicas: the streams of a replica
that stayed connected never resume, so nothing else would bring them the message. It is
therefore sent again at once over core NATS, before the POST answers, and then published
again in the background until JetStream takes it; the same ``Nats-Msg-Id`` keeps one copy in
the stream. Core subscribers may get it twice: each further attempt carries
``REPUBLISHED_HEADER``, so a replica drops the copy where it was shown already
(live/id_order.py, live/fanout.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from chat_svc.live.posts_in_flight import PostsInFlight
from service_kit.messaging.jetstream import publish_payload

log = logging.getLogger(__name__)

REPUBLISHED_HEADER = "Chat-Republished"
# The waits before each further attempt: 60.5 s in all, well inside the streams' duplicate
# window (120 s, nats/jetstream.json), so JetStream still recognises the first copy.
REPUBLISH_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


LOGGED_ATTEMPTS = 2


class NotLoggedError(Exception):
    """JetStream did not acknowledge a post acknowledged by the log: nothing was sent."""


class LivePublisher:
    def __init__(
        self, nats: NATS, js: JetStreamContext, in_flight: PostsInFlight | None = None
    ) -> None:
        self.nats = nats
        self.js = js
        # This replica's live copies wait while an ack is awaited (live/posts_in_flight.py).
        self.in_flight = PostsInFlight() if in_flight is None else in_flight
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def republishing(self) -> int:
        return len(self._pending)

    async def publish(
        self, subject: str, payload: bytes, event_id: str, fields: dict[str, Any]
    ) -> None:
        """Publish, or (stored already) keep trying in the background; never raises."""
        try:
            with self.in_flight.publishing():
                await publish_payload(self.js, subject, payload, event_id)
        except Exception as error:
            log.error("stored but not published yet, trying again: %s", error, extra=fields)
            await self._send_now(subject, payload, event_id, fields)
            task = asyncio.create_task(self._again(subject, payload, event_id, fields))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def publish_acknowledged(self, subject: str, payload: bytes, event_id: str) -> None:
        """Posts acknowledged by the log (chat_svc/history_writer/): the stored event is the
        message. One more attempt under the same ``Nats-Msg-Id`` (the stream keeps one copy)
        if the first ack is lost; then ``NotLoggedError``: the caller takes the message out
        of the cache and answers 503."""
        for attempt in range(LOGGED_ATTEMPTS):
            try:
                with self.in_flight.publishing():
                    await publish_payload(self.js, subject, payload, event_id)
            except Exception as error:
                log.warning("publish attempt %d not acknowledged: %s", attempt + 1, error)
                continue
            return
        raise NotLoggedError(subject)

    async def _send_now(
        self, subject: str, payload: bytes, event_id: str, fields: dict[str, Any]
    ) -> None:
        """A core copy, written to the connection before the POST answers: the sender's next
        message goes out after it on the same connection, so no stream shows the two in the
        wrong order (the first publish may have died with a NATS node, and a stream leader's
        election outlasts the ack timeout). No ack to wait for: JetStream stores the copy if
        it can, and the attempts in the background make sure it does."""
        headers = {"Nats-Msg-Id": event_id, REPUBLISHED_HEADER: "2"}
        try:
            await self.nats.publish(subject, payload, headers=headers)
        except Exception as error:  # a closed connection: the attempts below are all that's left
            log.warning("could not send it again now: %s", error, extra=fields)

    async def _again(
        self, subject: str, payload: bytes, event_id: str, fields: dict[str, Any]
    ) -> None:
        for attempt, delay in enumerate(REPUBLISH_DELAYS, start=3):
            await asyncio.sleep(delay)
            try:
                await publish_payload(
                    self.js, subject, payload, event_id, headers={REPUBLISHED_HEADER: str(attempt)}
                )
            except Exception as error:
                log.warning("publish attempt %d failed: %s", attempt, error, extra=fields)
                continue
            log.info("published at attempt %d", attempt, extra=fields)
            return
        log.error("stored but never published: streams get it when they resume", extra=fields)

    async def stop(self) -> None:
        """At shutdown: what is still being published is left to resumes and reloads."""
        if self._pending:
            log.warning("shutting down with %d message(s) not published yet", len(self._pending))
        for task in list(self._pending):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
