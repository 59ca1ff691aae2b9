"""One live stream as the fan-out sees it: what is waiting to be written to it, and the
unread counts of the person's other rooms it keeps current.

Each client has a bounded buffer: a client that falls that far behind is dropped (it
reloads) instead of slowing the others (live/fanout.py hands it messages, live/flusher.py
writes them)."""

from __future__ import annotations

import asyncio
import json
import logging
from enum import Enum
from typing import TYPE_CHECKING

from chat_svc.live.socket_writes import DirectSink, http_chunk
from chat_svc.live.sse_frames import frame

if TYPE_CHECKING:
    from chat_svc.live.flusher import Flusher

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
