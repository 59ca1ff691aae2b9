"""The poster first: while one of this replica's publishes waits for JetStream's ack, the
replica's live copies of new messages wait for it (never longer than ``HOLD_SECONDS`` after
that publish began).

A publish's ack and the replica's own core copy of the message come back on the same NATS
connection, the copy first. Handled in that order, the copy was rendered and offered to every
local stream (1.1 ms for 1,000) and its writes begun, a slice per loop pass, before the ack
was even read: the POST waited 5-7 ms for an ack that comes within about 1 ms
(docs/performance.md, "The poster first"). Holding the copies until the ack is read answers
the POST first; the streams get the message a fraction of a millisecond later.

A copy waits only for the publishes in flight when it arrived, each at most the hold after it
began: posts back to back never make each message wait a whole hold, and a slow ack (a NATS
leader election) holds delivery no longer than the hold. And only while the fan-out is idle
(live/subscriptions.py): with writes queued already, at 100 msg/s, a held copy only made the
queue longer (p99 214-411 ms held against 129-169 not, in alternated runs).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

# Against an ack that takes about 1 ms on a busy core, and a delivery of 10-20 ms.
HOLD_SECONDS = 0.005


class _Waiter:
    __slots__ = ("future", "publishes")

    def __init__(self, future: asyncio.Future[None], publishes: set[int]) -> None:
        self.future = future
        self.publishes = publishes


class PostsInFlight:
    __slots__ = ("_hold_seconds", "_numbers", "_publishes", "_waiters")

    def __init__(self, hold_seconds: float = HOLD_SECONDS) -> None:
        self._hold_seconds = hold_seconds
        self._numbers = itertools.count()
        self._publishes: dict[int, float] = {}  # in flight: number -> when it began
        self._waiters: list[_Waiter] = []

    @property
    def busy(self) -> bool:
        return bool(self._publishes)

    @contextmanager
    def publishing(self) -> Iterator[None]:
        """Around a publish that waits for its ack."""
        number = next(self._numbers)
        self._publishes[number] = asyncio.get_running_loop().time()
        try:
            yield
        finally:
            del self._publishes[number]
            if self._waiters:
                self._ended(number)

    async def settled(self) -> None:
        """Returns once the publishes in flight now have their acks, or are past the hold."""
        if not self._publishes:
            return
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), set(self._publishes))
        deadline = max(self._publishes.values()) + self._hold_seconds
        self._waiters.append(waiter)
        timer = loop.call_at(deadline, _resolve, waiter.future)
        try:
            await waiter.future
        finally:
            timer.cancel()
            self._waiters.remove(waiter)

    def _ended(self, number: int) -> None:
        for waiter in self._waiters:
            waiter.publishes.discard(number)
            if not waiter.publishes:
                _resolve(waiter.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
