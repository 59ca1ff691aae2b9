"""Writes what each stream client got once per event-loop pass: everything a client has
waiting becomes one write, straight to its socket under uvicorn (live/socket_writes.py),
else by waking its task."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from chat_svc.live.stream_client import CloseReason

if TYPE_CHECKING:
    from chat_svc.live.stream_client import StreamClient

log = logging.getLogger(__name__)


# When messages come fast and writing them keeps the loop busy, a client is written to at
# most once per window: what it gets meanwhile waits for the window's end and leaves in one
# write. On this machine a write costs about as much CPU as the whole rest of a delivery
# (bench/send_floor.py: 145,000-160,000 bare sends per CPU-second), so more messages per
# write is what makes a busy fan-out cheaper (1,000 streams at 100 msg/s: 84% -> 50% of a
# core). Holding costs latency (up to the window), and a window close to the gap between
# messages adds it for nothing (measured at 50 msg/s: p50 7 -> 23 ms, no CPU saved), so it
# starts only while messages come at least a third faster than one per window and writing
# takes over a quarter of the loop's time.
BATCH_WINDOW_SECONDS = 0.02
FAST_GAP_SHARE = 0.75  # of the window: the mean gap between messages that counts as fast
START_HOLDING = 0.25  # share of the loop's time spent writing
# Streams written per event-loop pass. A message to a thousand streams is about 10 ms of
# writes; in slices, what became ready meanwhile (a POST's answer waiting for its publish
# ack, a page, /healthz) runs between them instead of after all of them.
WRITES_PER_PASS = 100


class Flusher:
    """Writes what each client got once per event-loop pass; while the loop is busy
    writing, at most once per window per client. Everything a client got leaves in one
    write, and a message's chunk is framed once for all the clients it is alone in the
    buffer of."""

    __slots__ = (
        "_busy",
        "_due",
        "_gap",
        "_held",
        "_holding",
        "_last_message",
        "_last_start",
        "_recent",
        "_soon",
        "_start_holding",
        "_window",
        "_window_seconds",
        "_writing",
    )

    def __init__(
        self, window_seconds: float = BATCH_WINDOW_SECONDS, start_holding: float = START_HOLDING
    ) -> None:
        self._window_seconds = window_seconds
        self._start_holding = start_holding
        self._due: list[StreamClient] = []
        self._soon: asyncio.Handle | None = None
        self._writing = 0  # writes spread over loop passes, not finished yet
        # While holding: the clients written since the window opened (their ``recent`` is
        # set), and those of them with something new, written when it closes.
        self._recent: list[StreamClient] = []
        self._held: list[StreamClient] = []
        self._window: asyncio.TimerHandle | None = None
        # Moving averages: the share of time spent writing, the gap between messages.
        self._busy = 0.0
        self._last_start = 0.0
        self._gap = 1.0
        self._last_message = 0.0
        self._holding = False

    def note_message(self) -> None:
        """A message (not a heartbeat or count) is about to be offered to its streams."""
        now = asyncio.get_running_loop().time()
        self._gap += 0.2 * (min(1.0, now - self._last_message) - self._gap)
        self._last_message = now
        self._decide()

    def _decide(self) -> None:
        self._holding = (
            self._gap < FAST_GAP_SHARE * self._window_seconds and self._busy > self._start_holding
        )

    def schedule(self, client: StreamClient) -> None:
        if client.recent:  # written in the open window: it closes within the window
            self._held.append(client)
            return
        self._due.append(client)
        if self._soon is None:
            self._soon = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        due, self._due, self._soon = self._due, [], None
        self._write(due)

    def _close_window(self) -> None:
        for client in self._recent:
            client.recent = False
        held, self._held, self._recent, self._window = self._held, [], [], None
        self._write(held)

    def _write(
        self,
        clients: list[StreamClient],
        first: int = 0,
        chunks: dict[bytes, bytes] | None = None,
        started: float | None = None,
        spent: float = 0.0,
    ) -> None:
        """Write ``clients[first:]``, a slice per loop pass (``WRITES_PER_PASS``)."""
        if first >= len(clients):
            return
        if first == 0:
            self._writing += 1
        loop = asyncio.get_running_loop()
        now = loop.time()
        # The window runs from the start of the write: writing to a thousand sockets takes a
        # few milliseconds, which must not stretch every window (and every wait) by as much.
        started = now if started is None else started
        chunks = {} if chunks is None else chunks
        end = first + WRITES_PER_PASS
        batch = clients[first:end]
        for client in batch:
            try:
                client.flush(chunks)
            except Exception:  # one broken connection must not leave the others unflushed
                log.exception("stream write failed", extra={"session_id": client.session_id})
                client.close(CloseReason.DISCONNECTED)
        if self._holding:  # only then are writes remembered (nothing per client otherwise)
            recent = self._recent
            for client in batch:
                if not client.recent:
                    client.recent = True
                    recent.append(client)
            if self._window is None:
                self._window = loop.call_at(started + self._window_seconds, self._close_window)
        spent += loop.time() - now
        if end < len(clients):
            loop.call_soon(self._write, clients, end, chunks, started, spent)
        else:
            self._writing -= 1
            self._measure(started, started + spent)

    @property
    def idle(self) -> bool:
        """Nothing written or waiting to be, and messages not coming fast enough to hold."""
        return not (self._due or self._held or self._writing or self._holding)

    def _measure(self, started: float, ended: float) -> None:
        period = started - self._last_start
        self._last_start = started
        if period > 0:
            self._busy += 0.2 * (min(1.0, (ended - started) / period) - self._busy)
            self._decide()
