"""An SSE client of ``GET /events`` that behaves like the chat page's stream.

It keeps every message event it receives, in arrival order, and when its stream ends it
reconnects with ``?after=<highest id it holds>``: to the same replica first, then to the
next of its replica URLs when that one refuses (what the edge proxy does for a browser).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field

import httpx
from httpx_sse import aconnect_sse

from tests.support.http_accounts import SESSION_COOKIE

MESSAGE_BODY = re.compile(r'<div class="message-body[^"]*"[^>]*>(.*?)</div>', re.DOTALL)
# A safety net so a broken stack fails the test instead of hanging it; never a timing check.
PATIENCE_SECONDS = 45.0


@dataclass(frozen=True)
class Received:
    message_id: int
    body: str
    via: str  # the replica URL whose stream carried it


@dataclass
class LiveStream:
    name: str
    session_token: str
    replica_urls: list[str]
    after: int | None = None
    received: list[Received] = field(default_factory=list)
    connections: list[str] = field(default_factory=list)  # "<url>?after=<n>" per stream opened
    # Set while a stream is open (its response headers arrived: the replica holds the client).
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    # Cleared by the test to hold reconnection back (a page waits ``retry:`` before it).
    may_reconnect: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _ended: int = 0

    def __post_init__(self) -> None:
        self.may_reconnect.set()

    @property
    def ids(self) -> list[int]:
        return [item.message_id for item in self.received]

    @property
    def bodies(self) -> list[str]:
        return [item.body for item in self.received]

    @property
    def streams_ended(self) -> int:
        return self._ended

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"live stream {self.name}")
        await self._wait(self.connected.is_set, "to connect")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_for_bodies(self, bodies: list[str]) -> None:
        wanted = set(bodies)
        await self._wait(
            lambda: wanted <= set(self.bodies),
            f"to receive {sorted(wanted - set(self.bodies))}",
        )

    async def wait_until_disconnected(self, streams_ended: int) -> None:
        await self._wait(lambda: self._ended >= streams_ended, "to lose its stream")

    async def _wait(self, condition: object, what: str) -> None:
        assert callable(condition)
        try:
            async with asyncio.timeout(PATIENCE_SECONDS):
                while not condition():
                    self._changed.clear()
                    if self._task is not None and self._task.done():
                        self._task.result()  # re-raise what broke the reader
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"stream {self.name} did not manage {what}; connections {self.connections}"
            ) from None

    def _notify(self) -> None:
        self._changed.set()

    async def _run(self) -> None:
        index = 0
        timeout = httpx.Timeout(10.0, read=None)
        cookies = {SESSION_COOKIE: self.session_token}
        async with httpx.AsyncClient(timeout=timeout, cookies=cookies) as client:
            while True:
                await self.may_reconnect.wait()
                url = self.replica_urls[index % len(self.replica_urls)]
                opened = len(self.connections)
                with contextlib.suppress(httpx.TransportError, httpx.HTTPStatusError):
                    await self._read(client, url)
                self.connected.clear()
                if len(self.connections) > opened:
                    self._ended += 1  # closed or cut: try the same replica again first
                else:
                    index += 1  # refused: the next replica, like the edge proxy
                    await asyncio.sleep(0.1)
                self._notify()

    async def _read(self, client: httpx.AsyncClient, url: str) -> None:
        query = "" if self.after is None else f"?after={self.after}"
        async with aconnect_sse(client, "GET", f"{url}/events{query}") as source:
            source.response.raise_for_status()
            self.connections.append(f"{url}{query}")
            self.connected.set()
            self._notify()
            async for event in source.aiter_sse():
                if event.event != "message" or not event.data:
                    # The opening ``retry:`` and heartbeats (which repeat the last id).
                    continue
                match = MESSAGE_BODY.search(event.data)
                assert match is not None, f"a message event without a body: {event.data!r}"
                message_id = int(event.id)
                self.received.append(Received(message_id, match.group(1), url))
                self.after = max(self.after or 0, message_id)
                self._notify()
