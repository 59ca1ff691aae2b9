"""One room's live subjects on this replica: its messages, edits and deletions, and typing.

Messages and changes share the room's ids: each is rendered and framed once, released in id
order (live/id_order.py), and handed to the fan-out (live/fanout.py), a change replacing the
message it names. Typing signals are gathered and sent as one frame a second (live/
subscriptions.py flushes them). Nothing is handed on until the feed is ``following``: a room's
messages that arrive while it is being followed are dropped, since the stream's backlog, read
once NATS has the interest, brings them.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from chat_svc.actions.message_publisher import REPUBLISHED_HEADER
from chat_svc.events import MessageChanged, MessagePosted, PersonTyping
from chat_svc.live.fanout import Fanout
from chat_svc.live.id_order import IdOrder
from chat_svc.live.posts_in_flight import PostsInFlight
from chat_svc.models.messages import record_of
from chat_svc.web.rendering import MessageRenderer

log = logging.getLogger(__name__)

SUBSCRIPTION_PENDING_LIMIT = 1_000_000


@dataclass
class RoomFeed:
    room: str
    fanout: Fanout
    renderer: MessageRenderer
    # This replica's publishes awaiting their ack: its copies of new messages wait for them.
    in_flight: PostsInFlight
    reorder_window_seconds: float
    # Set once the room is followed, cleared when it is released.
    following: bool = False
    # Who signalled typing since the last flush: author tag -> name.
    typing: dict[str, str] = field(default_factory=dict)
    in_order: IdOrder = field(init=False)
    # Edits and deletions share the room's ids and order; these ids replace, not add.
    _change_ids: set[int] = field(default_factory=set)
    # Who each held message mentions, for the mention counts of members elsewhere.
    _mentioned: dict[int, frozenset[str]] = field(default_factory=dict)
    # Copies published again (actions/message_publisher.py): not for streams that resumed past.
    _again_ids: set[int] = field(default_factory=set)
    _subscriptions: list[Subscription] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.in_order = IdOrder(self._release, self.reorder_window_seconds)

    async def subscribe(self, nats: NATS) -> None:
        self._subscriptions = [
            await nats.subscribe(
                MessagePosted.subject_for(self.room),
                cb=self._on_message,
                pending_msgs_limit=SUBSCRIPTION_PENDING_LIMIT,
            ),
            await nats.subscribe(MessageChanged.subject_for(self.room), cb=self._on_change),
            await nats.subscribe(PersonTyping.subject_for(self.room), cb=self._on_typing),
        ]

    async def close(self) -> None:
        self.following = False
        self.in_order.close()
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    def _release(self, message_id: int, data: bytes) -> None:
        again = message_id in self._again_ids
        if again:
            self._again_ids.discard(message_id)
        if message_id in self._change_ids:
            self._change_ids.discard(message_id)
            self.fanout.deliver_change(self.room, message_id, data, again)
        else:
            people = self._mentioned.pop(message_id, frozenset())
            self.fanout.deliver(self.room, message_id, data, people, again)

    def _offer(self, msg: Msg, message_id: int, data: bytes) -> bool:
        """To ``in_order``; False when it was a second copy, dropped."""
        if msg.headers and REPUBLISHED_HEADER in msg.headers:
            self._again_ids.add(message_id)
        if self.in_order.offer(message_id, data):
            return True
        self._again_ids.discard(message_id)
        return False

    async def _on_message(self, msg: Msg) -> None:
        if self.in_flight.busy and self.fanout.idle:  # the poster first: posts_in_flight.py
            await self.in_flight.settled()
        try:
            event = MessagePosted.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed MessagePosted dropped: %s", error)
            return
        if event.room != self.room or not self.following:
            return  # a feed being replaced, or a wrong subject
        record = record_of(event)
        message_id = record.message_id
        others = frozenset(event.mentions) - {event.author_id}
        if others:
            self._mentioned[message_id] = others
        if not self._offer(msg, message_id, self.renderer.frame(record)):
            self._mentioned.pop(message_id, None)

    async def _on_change(self, msg: Msg) -> None:
        try:
            event = MessageChanged.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed MessageChanged dropped: %s", error)
            return
        if event.room != self.room or not self.following:
            return
        record = record_of(event)
        self._change_ids.add(event.event_id)
        if not self._offer(msg, event.event_id, self.renderer.frame(record, replace=True)):
            self._change_ids.discard(event.event_id)

    async def _on_typing(self, msg: Msg) -> None:
        try:
            event = PersonTyping.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed PersonTyping dropped: %s", error)
            return
        if self.following:
            self.typing[event.author_tag] = event.name
