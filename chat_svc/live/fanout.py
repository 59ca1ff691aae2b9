"""Hands each framed message to the stream clients of this replica that have its room open,
and counts it as unread for the clients whose person is a member but looking elsewhere.

The NATS callback calls ``deliver`` once per message with bytes already framed; per client
that is one append. Clients that got something are flushed once per event-loop pass
(``Flusher``): everything a client has waiting becomes one write, straight to its socket
under uvicorn (live/socket_writes.py), else by waking its task. Each client has a bounded
buffer: a client that falls that far behind is dropped (it reloads) instead of slowing the
others. Unread counts only change numbers; ``flush_counts`` (once a second) turns them into
at most one ``unread`` event per room per client.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Iterable
from enum import Enum

from chat_svc.live.socket_writes import DirectSink, http_chunk
from chat_svc.live.sse_frames import frame

log = logging.getLogger(__name__)


# The empty set of ids already sent (one shared object: every live stream starts with it).
NOTHING_SENT: frozenset[int] = frozenset()


class CloseReason(Enum):
    DISCONNECTED = "disconnected"
    TOO_SLOW = "too_slow"
    SIGNED_OUT = "signed_out"
    SHUTDOWN = "shutdown"
    # This replica may have missed live messages: the client reconnects and resumes.
    RESYNC = "resync"
    # The same session opened newer streams past its limit (live/stream_limits.py).
    TOO_MANY_STREAMS = "too_many_streams"
    # The person left the room or was removed from it: access ends now.
    GONE = "gone"


def unread_frame(counts: dict[str, int], mentions: dict[str, int] | None = None) -> bytes:
    """One event for every room whose count changed:
    ``[{"room": slug, "count": n, "mentions": m}, …]`` (m: unread mentions of the person)."""
    mentioned = mentions or {}
    changed = [
        {"room": room, "count": count, "mentions": mentioned.get(room, 0)}
        for room, count in sorted(counts.items())
    ]
    return frame("unread", json.dumps(changed))


# What happened to a counted room while its counts were read from the store.
READ, POSTED, MENTIONED = "read", "posted", "mentioned"


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
    )

    def __init__(
        self, window_seconds: float = BATCH_WINDOW_SECONDS, start_holding: float = START_HOLDING
    ) -> None:
        self._window_seconds = window_seconds
        self._start_holding = start_holding
        self._due: list[StreamClient] = []
        self._soon: asyncio.Handle | None = None
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
            self._measure(started, started + spent)

    def _measure(self, started: float, ended: float) -> None:
        period = started - self._last_start
        self._last_start = started
        if period > 0:
            self._busy += 0.2 * (min(1.0, (ended - started) / period) - self._busy)
            self._decide()


class StreamClient:
    __slots__ = (
        "close_reason",
        "count_log",
        "dirty_rooms",
        "early",
        "flusher",
        "limit",
        "mentions",
        "newest_counted",
        "pending",
        "recent",
        "resumed_after",
        "room",
        "seen_id",
        "sending",
        "session_id",
        "sink",
        "skip_ids",
        "unread",
        "user_id",
        "waiter",
    )

    def __init__(
        self, session_id: str, limit: int, user_id: str = "", room: str = "general"
    ) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.room = room  # the room this stream carries messages of
        self.limit = limit
        self.pending: list[bytes] = []
        # Written to in the flusher's current window: more waits for the window's end.
        self.recent = False
        self.waiter: asyncio.Future[None] | None = None
        # Set by the fanout: pending frames are written once per loop pass, not per offer.
        self.flusher: Flusher | None = None
        # Under uvicorn, once the opening is sent: live chunks go straight to the socket.
        self.sink: DirectSink | None = None
        # The stream's task is writing a chunk through ``send``: nothing may overtake it.
        self.sending = False
        self.close_reason: CloseReason | None = None
        # Ids already sent from the resume backlog: a late live copy is not sent twice.
        self.skip_ids: frozenset[int] = NOTHING_SENT
        # The id the client said it holds when this stream opened (0: none).
        self.resumed_after = 0
        # Live messages that arrive while the resume backlog is read wait here with their ids.
        self.early: list[tuple[int, bytes]] | None = []
        # The newest message of ``room`` this stream sent (read up to there when it ends).
        self.seen_id = 0
        # The person's other rooms: unread count, of them how many mention the person,
        # newest id counted, and which changed.
        self.unread: dict[str, int] = {}
        self.mentions: dict[str, int] = {}
        self.newest_counted: dict[str, int] = {}
        # An ordered set as a dict: an empty dict costs 64 bytes, an empty set 216, and
        # every idle stream holds one.
        self.dirty_rooms: dict[str, None] = {}
        # While the counts are read from the store: (room, id, what) to apply on top.
        self.count_log: list[tuple[str, int, str]] | None = None

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
        pending = self.pending
        pending.append(data)
        if message_id > self.seen_id:
            self.seen_id = message_id
        if len(pending) == 1:  # already due otherwise
            if self.flusher is not None:
                self.flusher.schedule(self)
            else:
                self.wake()

    def flush(self, chunks: dict[bytes, bytes]) -> None:
        """Write everything pending to the socket in one chunk, or leave it to the task (no
        sink, the task is sending, or the transport paused writing: ``send`` drains it)."""
        pending = self.pending
        if not pending or self.close_reason is not None:
            return
        sink = self.sink
        if sink is None or self.sending or not sink.ready():
            self.wake()
            return
        if len(pending) == 1:
            data = pending[0]
            chunk = chunks.get(data)
            if chunk is None:
                chunk = chunks[data] = http_chunk(data)
        else:
            chunk = http_chunk(b"".join(pending))
        pending.clear()
        sink.write(chunk)

    def wake(self) -> None:
        """Wake the stream's task: something to send through ``send``, or it was closed."""
        if self.sink is not None:
            self.sink.wake()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def go_live(self, already_sent: frozenset[int]) -> None:
        """The backlog is written: queue what arrived meanwhile, minus what it held."""
        early, self.early = self.early or [], None
        self.skip_ids = already_sent
        if already_sent:
            self.seen_id = max(self.seen_id, max(already_sent))
        for message_id, data in early:
            self.offer(message_id, data)

    def follow_counts(self, room: str, unread: int, newest_counted: int, mentions: int = 0) -> None:
        """Count ``room``'s messages newer than ``newest_counted`` on top of ``unread``."""
        self.unread[room] = unread
        self.mentions[room] = mentions
        self.newest_counted[room] = newest_counted

    def expect_counts(self, rooms: set[str]) -> None:
        """Before the counts are read: what happens to ``rooms`` meanwhile is kept aside."""
        self.count_log = []
        for room in rooms:
            self.follow_counts(room, 0, 0)

    def start_counts(
        self, counted: dict[str, tuple[int, int]], mentions: dict[str, int] | None = None
    ) -> None:
        """The store's (count, newest id counted) per room and unread mentions, then what
        happened while it was read; every room's count is sent once, so the page's own
        counts are corrected."""
        log, self.count_log = self.count_log or [], None
        for room, (unread, newest) in counted.items():
            self.follow_counts(room, unread, newest, (mentions or {}).get(room, 0))
        for room, value, what in log:
            if room in self.unread:
                if what == READ:
                    self.mark_read(room, value)
                else:
                    self.count_unread(room, value, mentioned=what == MENTIONED)
        self.dirty_rooms = dict.fromkeys(self.unread)
        self.flush_counts()

    def count_unread(self, room: str, message_id: int, mentioned: bool = False) -> bool:
        """True when this made the room's count change (the client needs a flush);
        ``mentioned``: the message mentions this stream's person."""
        if self.count_log is not None:
            self.count_log.append((room, message_id, MENTIONED if mentioned else POSTED))
            return False
        if message_id <= self.newest_counted.get(room, 0):
            return False  # already in the count it started from
        self.newest_counted[room] = message_id
        self.unread[room] = self.unread.get(room, 0) + 1
        if mentioned:
            self.mentions[room] = self.mentions.get(room, 0) + 1
        self.dirty_rooms[room] = None
        return True

    def mark_read(self, room: str, read_up_to: int) -> bool:
        if self.count_log is not None:
            self.count_log.append((room, read_up_to, READ))
            return False
        if room not in self.unread or read_up_to < self.newest_counted.get(room, 0):
            return False  # newer messages than what was read still count
        self.newest_counted[room] = read_up_to
        self.unread[room] = 0
        self.mentions[room] = 0
        self.dirty_rooms[room] = None
        return True

    def flush_counts(self) -> None:
        if self.dirty_rooms:
            counts = {room: self.unread.get(room, 0) for room in self.dirty_rooms}
            self.offer(0, unread_frame(counts, self.mentions))
            self.dirty_rooms.clear()

    @property
    def counted_rooms(self) -> set[str]:
        return set(self.unread)

    def close(self, reason: CloseReason) -> None:
        if self.close_reason is None:
            self.close_reason = reason
            self.pending.clear()
        self.wake()

    async def next_chunk(self) -> bytes | None:
        """Everything pending as one write, or None once the client is closed."""
        while not self.pending and self.close_reason is None:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
            self.waiter = None
        if self.close_reason is not None:
            return None
        return self.take()

    def take(self) -> bytes:
        """Everything pending as one body, emptying the buffer."""
        chunk = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.pending.clear()
        return chunk


class Fanout:
    def __init__(
        self,
        batch_window_seconds: float = BATCH_WINDOW_SECONDS,
        start_holding: float = START_HOLDING,
    ) -> None:
        self.clients: set[StreamClient] = set()
        self._by_session: dict[str, set[StreamClient]] = {}
        self._by_user: dict[str, set[StreamClient]] = {}
        # Per room: the clients showing it, and the clients counting its unread messages.
        self._viewers: dict[str, set[StreamClient]] = {}
        self._counters: dict[str, set[StreamClient]] = {}
        self._dirty: set[StreamClient] = set()
        self._flusher = Flusher(batch_window_seconds, start_holding)
        self.delivered = 0

    def add(self, client: StreamClient) -> None:
        client.flusher = self._flusher
        self.clients.add(client)
        self._by_session.setdefault(client.session_id, set()).add(client)
        self._by_user.setdefault(client.user_id, set()).add(client)
        self._viewers.setdefault(client.room, set()).add(client)
        for room in client.counted_rooms:
            self._counters.setdefault(room, set()).add(client)

    def remove(self, client: StreamClient) -> None:
        self.clients.discard(client)
        self._dirty.discard(client)
        _discard(self._by_session, client.session_id, client)
        _discard(self._by_user, client.user_id, client)
        _discard(self._viewers, client.room, client)
        for room in client.counted_rooms:
            _discard(self._counters, room, client)

    def deliver(
        self,
        room: str,
        message_id: int,
        data: bytes,
        mentioned: frozenset[str] = frozenset(),
        again: bool = False,
    ) -> None:
        """``mentioned``: the user ids the message mentions (not its author); ``again``: a
        copy published again (actions/message_publisher.py)."""
        self._flusher.note_message()
        viewers = self._viewers_of(room, message_id, again)
        for client in viewers:
            client.offer(message_id, data)
        self.delivered += len(viewers)
        for client in self._counters.get(room, ()):
            if client.count_unread(room, message_id, client.user_id in mentioned):
                self._dirty.add(client)

    def deliver_change(self, room: str, event_id: int, data: bytes, again: bool = False) -> None:
        """An edit or deletion: to the room's viewers, never counted as unread."""
        self._flusher.note_message()
        viewers = self._viewers_of(room, event_id, again)
        for client in viewers:
            client.offer(event_id, data)
        self.delivered += len(viewers)

    def _viewers_of(self, room: str, message_id: int, again: bool) -> Collection[StreamClient]:
        viewers = self._viewers.get(room, ())
        if not again:
            return viewers
        # A stream that resumed past a copy published again had it before it resumed (its
        # first publish reached this replica, or another one); the backlog's ids are skipped
        # in ``offer``.
        return [client for client in viewers if client.resumed_after < message_id]

    def send_to_room(self, room: str, data: bytes) -> None:
        """Something about the room that is not a message (who is here, who is typing)."""
        for client in self._viewers.get(room, ()):
            client.offer(0, data)

    def viewed_rooms(self) -> set[str]:
        return set(self._viewers)

    def broadcast(self, data: bytes) -> None:
        for client in self.clients:
            client.offer(0, data)

    def flush_counts(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for client in dirty:
            client.flush_counts()

    def needs(self, room: str) -> bool:
        """Some client here shows the room or counts it (so its subject stays subscribed)."""
        return bool(self._viewers.get(room) or self._counters.get(room))

    def clients_of(self, user_id: str) -> list[StreamClient]:
        return list(self._by_user.get(user_id, ()))

    def count_for(self, client: StreamClient, room: str, unread: int, newest: int) -> None:
        """A person joined ``room``: their other open streams count it from now on."""
        if room == client.room or room in client.unread:
            return
        client.follow_counts(room, unread, newest)
        self._counters.setdefault(room, set()).add(client)

    def stop_counting(self, client: StreamClient, room: str) -> None:
        client.unread.pop(room, None)
        client.mentions.pop(room, None)
        client.newest_counted.pop(room, None)
        client.dirty_rooms.pop(room, None)
        _discard(self._counters, room, client)

    def mark_read(self, user_id: str, room: str, read_up_to: int) -> None:
        for client in self._by_user.get(user_id, ()):
            if client.mark_read(room, read_up_to):
                self._dirty.add(client)

    def close_session(self, session_id: str) -> int:
        clients = self._by_session.get(session_id, set())
        for client in list(clients):
            client.close(CloseReason.SIGNED_OUT)
        return len(clients)

    def close_room_of(self, user_id: str, room: str) -> int:
        """The person left or lost ``room``: end their streams of it."""
        closing = [c for c in self._by_user.get(user_id, ()) if c.room == room]
        for client in closing:
            client.close(CloseReason.GONE)
        return len(closing)

    def close_all(self, reason: CloseReason = CloseReason.SHUTDOWN) -> None:
        for client in list(self.clients):
            client.close(reason)

    @property
    def sessions(self) -> list[str]:
        return list(self._by_session)


def _discard(index: dict[str, set[StreamClient]], key: str, client: StreamClient) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(client)
        if not members:
            del index[key]


def rooms_of(clients: Iterable[StreamClient]) -> set[str]:
    rooms: set[str] = set()
    for client in clients:
        rooms.add(client.room)
        rooms |= client.counted_rooms
    return rooms
