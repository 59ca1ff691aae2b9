"""This replica's core NATS subscriptions, each with a callback.

``chat.room.<slug>.*`` (messages, edits and deletions, typing): a room's feed (live/
room_feed.py), followed while some local stream shows the room or counts its unread messages
(a replica with nobody in a room never decodes its messages). Typing signals are sent to
the room's viewers as one frame a second: one frame per signal would cost the message
fan-out about a quarter of its deliveries per CPU-second with 100 of 1,000 viewers typing
(the typing bench), against a budget of a tenth.
``chat.membership.changed``: forget the cached membership answer; a person who joined starts
counting the room in their open streams, one who left loses their streams of it, one who
read it sees its count drop.
``auth.session.revoked``: forget the cached token check and close that session's streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from chat_svc.auth.auth_client import AuthClient
from chat_svc.events import MembershipChanged
from chat_svc.live.fanout import Fanout
from chat_svc.live.id_order import IdOrder
from chat_svc.live.posts_in_flight import PostsInFlight
from chat_svc.live.room_feed import RoomFeed
from chat_svc.live.sse_frames import HEARTBEAT, frame
from chat_svc.live.stream_client import CloseReason
from chat_svc.web.rendering import MessageRenderer
from service_kit.events import SessionRevoked

log = logging.getLogger(__name__)

# At most one unread-count update per room per stream in this period, and one typing frame
# per room.
COUNT_FLUSH_SECONDS = 1.0
# The person joined, was added to or left a room: their open tabs redraw the sidebar
# (unread-badges.js), which a count alone cannot tell (a new room has nothing unread).
SIDEBAR_CHANGED = frame("sidebar", "rooms changed")

MembershipListener = Callable[[MembershipChanged], Awaitable[None]]


@dataclass
class LiveUpdates:
    nats: NATS
    fanout: Fanout
    renderer: MessageRenderer
    auth: AuthClient
    heartbeat_seconds: float
    reorder_window_seconds: float = 0.5
    # Told about every membership change first (the access cache drops its answer).
    membership_listeners: list[MembershipListener] = field(default_factory=list)
    # The newest event id already stored in a room (posts, edits and deletions store before
    # they publish), so the first live event a replica sees in a room is held for a lower
    # one still in flight.
    newest_known: Callable[[str], Awaitable[int]] | None = None
    # This replica's publishes awaiting their ack: its copies of new messages wait for them.
    in_flight: PostsInFlight = field(default_factory=PostsInFlight)
    _subscriptions: list[Subscription] = field(default_factory=list)
    _rooms: dict[str, RoomFeed] = field(default_factory=dict)
    _subscribing: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self._subscriptions = [
            await self.nats.subscribe(SessionRevoked.SUBJECT, cb=self._on_session_revoked),
            await self.nats.subscribe(MembershipChanged.SUBJECT, cb=self._on_membership_changed),
        ]
        await self.nats.flush()
        self._tasks = [
            asyncio.create_task(self._beat()),
            asyncio.create_task(self._flush_counts()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        for room in list(self._rooms):
            await self._unsubscribe(room)
        self.fanout.close_all()

    async def follow(self, rooms: Iterable[str]) -> None:
        """Subscribe to the rooms a new stream needs; returns once NATS has the interest, so
        a backlog read after this cannot miss a message published in between."""
        missing = [room for room in rooms if room not in self._rooms]
        if not missing:
            return
        async with self._subscribing:
            added = False
            for room in missing:
                if room not in self._rooms:
                    feed = self._rooms[room] = await self._subscribe(room)
                    feed.following = True
                    added = True
            if added:
                await self.nats.flush()

    async def release(self, rooms: Iterable[str]) -> None:
        """Unsubscribe from the rooms no local stream needs any more."""
        for room in rooms:
            if room in self._rooms and not self.fanout.needs(room):
                await self._unsubscribe(room)

    @property
    def followed_rooms(self) -> set[str]:
        return set(self._rooms)

    async def _subscribe(self, room: str) -> RoomFeed:
        feed = RoomFeed(
            room, self.fanout, self.renderer, self.in_flight, self.reorder_window_seconds
        )
        await feed.subscribe(self.nats)
        await self._seed_order(room, feed.in_order)
        return feed

    async def _seed_order(self, room: str, in_order: IdOrder) -> None:
        """Asked once subscribed (this room's messages are dropped until it is followed; the
        stream's backlog brings them): anything stored so far needs no waiting for."""
        if self.newest_known is None:
            return
        try:
            newest = await self.newest_known(room)
        except Exception as error:  # unknown: the first message then sets the order
            log.warning("newest id of %s unknown: %s", room, error)
            return
        in_order.start_at(newest + 1)

    async def _unsubscribe(self, room: str) -> None:
        feed = self._rooms.pop(room, None)
        if feed is not None:
            await feed.close()

    async def _on_session_revoked(self, msg: Msg) -> None:
        try:
            event = SessionRevoked.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed SessionRevoked dropped: %s", error)
            return
        self.auth.forget_session(event.session_id)
        closed = self.fanout.close_session(event.session_id)
        log.info("session revoked", extra={"session_id": event.session_id, "streams": closed})

    async def _on_membership_changed(self, msg: Msg) -> None:
        try:
            event = MembershipChanged.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed MembershipChanged dropped: %s", error)
            return
        for listener in self.membership_listeners:
            await listener(event)
        if event.change == "read":
            self.fanout.mark_read(event.user_id, event.room, event.last_read_message_id)
            return
        clients = self.fanout.clients_of(event.user_id)
        if event.change == "level":  # the sidebar carries it (tab title, bell menu)
            for client in clients:
                client.offer(0, SIDEBAR_CHANGED)
            return
        if event.change == "joined":
            for client in clients:
                self.fanout.count_for(client, event.room, 0, event.last_read_message_id)
                client.offer(0, SIDEBAR_CHANGED)
            if clients:
                await self.follow([event.room])
            return
        closed = self.fanout.close_room_of(event.user_id, event.room)
        for client in clients:
            self.fanout.stop_counting(client, event.room)
            client.offer(0, SIDEBAR_CHANGED)
        await self.release([event.room])
        log.info(
            "membership ended",
            extra={"user_id": event.user_id, "room": event.room, "streams": closed},
        )

    async def after_reconnect(self) -> None:
        """Core NATS drops what was published while this replica reconnected: end every
        stream so each client resumes from the last id it holds (Last-Event-ID or
        ``?after=``), and gets its session and membership checked again, through the tested
        resume path."""
        streams = len(self.fanout.clients)
        self.fanout.close_all(CloseReason.RESYNC)
        log.warning("NATS reconnected: streams asked to resume", extra={"streams": streams})

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.fanout.broadcast(HEARTBEAT)

    async def _flush_counts(self) -> None:
        while True:
            await asyncio.sleep(COUNT_FLUSH_SECONDS)
            self.fanout.flush_counts()
            self.flush_typing()

    def flush_typing(self) -> None:
        """One ``typing`` frame per room with signals: ``[{"author": tag, "name": n}, …]``."""
        for room, feed in self._rooms.items():
            if feed.typing:
                signals, feed.typing = feed.typing, {}
                typing = [{"author": tag, "name": name} for tag, name in signals.items()]
                self.fanout.send_to_room(room, frame("typing", json.dumps(typing)))
