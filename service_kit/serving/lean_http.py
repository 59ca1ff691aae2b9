"""uvicorn's HTTP protocol (httptools) holding less per open connection.

A chat replica keeps thousands of connections open for hours (one event stream per tab),
so what uvicorn allocates per connection is most of an idle stream's memory. Three of its
objects are ``collections.deque``s, which reserve a 64-slot block even when empty (about
760 bytes each): the connection's queue of pipelined requests and the waiters of two
``asyncio.Event``s (the request's message event, the connection's "writable again" event).
Each holds at most one or two entries, so here they are lists: 2.2 KB less per connection
(bench ``connections``; docs/performance.md). The address the server listens on is one tuple
for every connection, not one each. Behaviour is uvicorn's own; only the containers change.
``HeaderLimitedHttpToolsProtocol`` (what devstack and the image run) builds on this class.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Literal

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_LISTENING: dict[tuple[str, int | None], tuple[str, int | None]] = {}


class ListEvent:
    """``asyncio.Event`` with its waiters in a list: set, clear, is_set, wait, as uvicorn
    calls them. Each waiter has its own future, so cancelling one leaves the rest waiting."""

    __slots__ = ("_set", "_waiters")

    def __init__(self, is_set: bool = False) -> None:
        self._set = is_set
        self._waiters: list[asyncio.Future[Literal[True]]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if not self._set:
            self._set = True
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(True)
            self._waiters.clear()

    def clear(self) -> None:
        self._set = False

    def wait(self) -> asyncio.Future[Literal[True]]:
        """A future to await, not a coroutine: an idle stream waits here for hours, and a
        coroutine's frame (or a callback per waiter) costs more than the future."""
        waiter: asyncio.Future[Literal[True]] = asyncio.get_running_loop().create_future()
        if self._set:
            waiter.set_result(True)
            return waiter
        waiters = self._waiters
        if any(earlier.done() for earlier in waiters):  # cancelled: let go here or by set
            waiters[:] = [earlier for earlier in waiters if not earlier.done()]
        waiters.append(waiter)
        return waiter


class PipelineQueue(list[Any]):
    """The deque operations uvicorn uses on its queue of pipelined requests (rare: browsers
    do not pipeline), on a list."""

    __slots__ = ()

    def appendleft(self, item: Any) -> None:
        self.insert(0, item)


class LeanHttpToolsProtocol(HttpToolsProtocol):
    __slots__ = ()  # no attributes of its own (see HeaderLimitedHttpToolsProtocol's slots)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = PipelineQueue()  # type: ignore[assignment]  # deque's operations

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Every connection reaches one of the few addresses the process listens on: one
        # tuple for all of them, and one string per client host.
        if self.server is not None:
            self.server = _LISTENING.setdefault(self.server, self.server)
        if self.client is not None:
            self.client = (sys.intern(self.client[0]), self.client[1])
        writable = self.flow._is_writable_event
        self.flow._is_writable_event = ListEvent(writable.is_set())  # type: ignore[assignment]

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # The request's cycle was just made (its task has not run yet); an upgrade leaves
        # the previous cycle, already lean.
        cycle = self.cycle
        if cycle is not None and type(cycle.message_event) is asyncio.Event:
            cycle.message_event = ListEvent(cycle.message_event.is_set())  # type: ignore[assignment]
