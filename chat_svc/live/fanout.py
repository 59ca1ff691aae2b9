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

import logging
from collections.abc import Collection, Iterable

from chat_svc.live.flusher import BATCH_WINDOW_SECONDS, START_HOLDING, Flusher
from chat_svc.live.stream_client import CloseReason, StreamClient

log = logging.getLogger(__name__)


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
    def idle(self) -> bool:
        """No write in progress or due (live/flusher.py)."""
        return self._flusher.idle

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
