"""Hands each framed message to every stream client of this replica.

The NATS callback calls ``deliver`` once per message with bytes already framed; per client
that is one append and at most one future wake-up. Each client has a bounded buffer: a
client that falls that far behind is dropped (it reloads) instead of slowing the others.
"""

from __future__ import annotations

import asyncio
from enum import Enum


class CloseReason(Enum):
    DISCONNECTED = "disconnected"
    TOO_SLOW = "too_slow"
    SIGNED_OUT = "signed_out"
    SHUTDOWN = "shutdown"
    # This replica may have missed live messages: the client reconnects and resumes.
    RESYNC = "resync"
    # The same session opened newer streams past its limit (lib/stream_limits.py).
    TOO_MANY_STREAMS = "too_many_streams"


class StreamClient:
    __slots__ = ("close_reason", "early", "limit", "pending", "session_id", "skip_ids", "waiter")

    def __init__(self, session_id: str, limit: int) -> None:
        self.session_id = session_id
        self.limit = limit
        self.pending: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None
        self.close_reason: CloseReason | None = None
        # Ids already sent from the resume backlog: a late live copy is not sent twice.
        self.skip_ids: frozenset[int] = frozenset()
        # Live messages that arrive while the resume backlog is read wait here with their ids.
        self.early: list[tuple[int, bytes]] | None = []

    def offer(self, message_id: int, data: bytes) -> None:
        if self.close_reason is not None:
            return
        if self.early is not None:
            self.early.append((message_id, data))
            if len(self.early) > self.limit:
                self.close(CloseReason.TOO_SLOW)
            return
        if self.skip_ids and message_id in self.skip_ids:
            return
        if len(self.pending) >= self.limit:
            self.close(CloseReason.TOO_SLOW)
            return
        self.pending.append(data)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def go_live(self, already_sent: frozenset[int]) -> None:
        """The backlog is written: queue what arrived meanwhile, minus what it held."""
        early, self.early = self.early or [], None
        self.skip_ids = already_sent
        for message_id, data in early:
            self.offer(message_id, data)

    def close(self, reason: CloseReason) -> None:
        if self.close_reason is None:
            self.close_reason = reason
            self.pending.clear()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next_chunk(self) -> bytes | None:
        """Everything pending as one write, or None once the client is closed."""
        while not self.pending and self.close_reason is None:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
            self.waiter = None
        if self.close_reason is not None:
            return None
        chunk = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.pending.clear()
        return chunk


class Fanout:
    def __init__(self) -> None:
        self.clients: set[StreamClient] = set()
        self._by_session: dict[str, set[StreamClient]] = {}
        self.delivered = 0

    def add(self, client: StreamClient) -> None:
        self.clients.add(client)
        self._by_session.setdefault(client.session_id, set()).add(client)

    def remove(self, client: StreamClient) -> None:
        self.clients.discard(client)
        same_session = self._by_session.get(client.session_id)
        if same_session is not None:
            same_session.discard(client)
            if not same_session:
                del self._by_session[client.session_id]

    def deliver(self, message_id: int, data: bytes) -> None:
        for client in self.clients:
            client.offer(message_id, data)
        self.delivered += len(self.clients)

    def close_session(self, session_id: str) -> int:
        clients = self._by_session.get(session_id, set())
        for client in list(clients):
            client.close(CloseReason.SIGNED_OUT)
        return len(clients)

    def close_all(self, reason: CloseReason = CloseReason.SHUTDOWN) -> None:
        for client in list(self.clients):
            client.close(reason)

    @property
    def sessions(self) -> list[str]:
        return list(self._by_session)
