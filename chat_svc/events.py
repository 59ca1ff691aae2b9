"""Events chat_svc publishes for its own replicas only (what crosses services stays in
service_kit/events.py: ``MentionDigestRequested`` for mail_svc, auth_svc's events for chat).

The same rules as there: frozen, typed, past tense, ``id``/``occurred_at``/``schema_version``
from ``Event``. The message events carry the fields of ``models/message_shape.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import ValidationError

from chat_svc.models.message_shape import (
    FileFields,
    FormattedFields,
    MentionFields,
    MessageFields,
    PostedFields,
    ReactionFields,
    ReplyFields,
)
from service_kit.events import Event, MalformedEventError


class MessagePosted(
    FileFields, ReactionFields, ReplyFields, FormattedFields, MentionFields, PostedFields, Event
):
    """Published on the room's own subject (``subject_for``), so a replica subscribes only to
    the rooms its clients have open or are members of; ``SUBJECT`` matches every room."""

    SUBJECT: ClassVar[str] = "chat.room.*.message_posted"

    @staticmethod
    def subject_for(room: str) -> str:
        return f"chat.room.{room}.message_posted"


class MessageChanged(MessageFields, Event):
    """A message was edited, deleted (then ``body`` is empty) or reacted to. ``event_id`` is
    the next id of the room's sequence, so live streams release it in order with the posts
    and a resume after an older id brings the current version. On the room's own subject."""

    SUBJECT: ClassVar[str] = "chat.room.*.message_changed"
    # A change always has an event id; an edit or deletion also ``edited_at``, a change of
    # reactions (chat_svc/reactions/) none.
    event_id: int
    edited_at: datetime | None = None

    @staticmethod
    def subject_for(room: str) -> str:
        return f"chat.room.{room}.message_changed"


class PersonTyping(Event):
    """Someone is writing in a room (at most one every few seconds per person). Core NATS
    only, never stored: a hint for the others' pages, worthless a few seconds later."""

    SUBJECT: ClassVar[str] = "chat.room.*.typing"
    room: str
    author_tag: str  # what the page knows its viewer by (models/messages.author_tag)
    name: str

    @staticmethod
    def subject_for(room: str) -> str:
        return f"chat.room.{room}.typing"


class MembershipChanged(Event):
    """Someone joined, left or read a room. Published on core NATS (a hint: each replica
    drops its cached membership answer and updates or closes that person's streams; a
    replica that misses it after a reconnect closes every stream anyway)."""

    SUBJECT: ClassVar[str] = "chat.membership.changed"
    user_id: str
    room: str
    change: Literal["joined", "left", "read", "level"]  # level: chat_svc/push/levels/
    last_read_message_id: int = 0


class PersonChanged(Event):
    """Someone's name or activation changed (chat_svc/profiles/, chat_svc/administration/).
    Core NATS, a hint: every replica updates the names it renders messages with; one that
    was disconnected reads them all again after the reconnect."""

    SUBJECT: ClassVar[str] = "chat.person.changed"
    user_id: str
    display_name: str
    deactivated: bool = False
    avatar: str = ""  # the picture's version (chat_svc/avatars/); empty: initials


class RoomChanged(Event):
    """An administrator renamed, archived, restored or deleted a room
    (chat_svc/room_administration/). Core NATS, a hint: every replica drops the room it
    keeps in memory (reads/room_access.py) and reads it again at the next request."""

    SUBJECT: ClassVar[str] = "chat.rooms.changed"
    room: str
    change: Literal["renamed", "archived", "restored", "deleted"]


def decode_room_event(subject: str, data: bytes) -> Event:
    """The per-room subjects ``chat.room.<slug>.message_posted`` / ``…_changed``, which the
    subject table of service_kit cannot name (a durable's ``decode``: search, push)."""
    kinds: dict[str, type[MessagePosted] | type[MessageChanged]] = {
        "message_posted": MessagePosted,
        "message_changed": MessageChanged,
    }
    kind = kinds.get(subject.rsplit(".", 1)[-1])
    if kind is None:
        raise MalformedEventError(f"{subject!r} carries no message event")
    try:
        return kind.model_validate_json(data)
    except ValidationError as error:
        raise MalformedEventError(f"invalid {kind.__name__}") from error
