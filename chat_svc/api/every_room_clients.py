"""The fan-out's side of ``GET /api/v1/events`` for every room: one ``RoomTap`` per room
the person belongs to, each an ordinary stream client of that room in live/fanout.py (the
same subscription, id order, resume skip list and membership closing as the page's
streams), all pouring into one ``EveryRoomOutlet``, the connection's buffer, which stamps
each event with the map of per-room positions (api/room_positions.py).

The outlet is itself in the fan-out under a room no slug can name: heartbeats, a
session's revocation, and the "sidebar" signal of a join or leave reach it there.
"""

from __future__ import annotations

import asyncio

from chat_svc.api.event_frames import shared_json_frame
from chat_svc.api.room_positions import format_positions
from chat_svc.live.sse_frames import HEARTBEAT, MessageFrame
from chat_svc.live.stream_client import CloseReason, StreamClient
from chat_svc.live.subscriptions import SIDEBAR_CHANGED

# Not a slug: no room's messages are delivered to the outlet by its own room.
EVERY_ROOM = ""


class EveryRoomOutlet(StreamClient):
    __slots__ = ("positions", "rooms_changed", "taps")

    def __init__(self, session_id: str, limit: int, user_id: str) -> None:
        super().__init__(session_id, limit, user_id, EVERY_ROOM)
        self.early = None  # nothing to hold: the taps hold their rooms' early messages
        self.positions: dict[str, int] = {}
        self.taps: dict[str, RoomTap] = {}
        self.rooms_changed = False

    def offer(self, message_id: int, data: bytes) -> None:
        if data is SIDEBAR_CHANGED:
            self.note_rooms_changed()
        elif data is HEARTBEAT or message_id != 0:
            super().offer(message_id, data)
        # Anything else (counts, presence) is the page's, not an integration's.

    def send(self, room: str, event_id: int, event: bytes) -> None:
        """``event``: a frame without an id line; the id is this connection's map."""
        if event_id > self.positions.get(room, 0):
            self.positions[room] = event_id
        self.send_stamped(event, event_id)

    def send_stamped(self, event: bytes, event_id: int = 0) -> None:
        stamp = f"id: {format_positions(self.positions)}\n".encode()
        super().offer(event_id, stamp + event)

    def note_rooms_changed(self) -> None:
        self.rooms_changed = True
        self.wake()

    async def next_chunk(self) -> bytes | None:
        """As the page's, and also woken (with ``b""``) when the person's rooms changed."""
        while not self.pending and self.close_reason is None and not self.rooms_changed:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
            self.waiter = None
        if self.close_reason is not None:
            return None
        return self.take() if self.pending else b""


class RoomTap(StreamClient):
    __slots__ = ("outlet",)

    def __init__(self, outlet: EveryRoomOutlet, room: str) -> None:
        super().__init__(outlet.session_id, outlet.limit, outlet.user_id, room)
        self.outlet = outlet

    def offer(self, message_id: int, data: bytes) -> None:
        if message_id == 0:
            return  # heartbeats and signals reach the outlet once, not once per room
        if self.early is not None or self.close_reason is not None or message_id in self.skip_ids:
            super().offer(message_id, data)  # held while the backlog is read, or dropped
        elif isinstance(data, MessageFrame):
            self.outlet.send(self.room, message_id, shared_json_frame(data, with_id=False))

    def close(self, reason: CloseReason) -> None:
        first = self.close_reason is None
        super().close(reason)
        if first and reason is CloseReason.GONE:
            self.outlet.note_rooms_changed()  # one room ends, the stream goes on
        elif first:
            self.outlet.close(reason)
