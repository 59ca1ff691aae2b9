"""The person's rooms and direct messages with their unread counts (and how many of those
mention them), as the sidebar shows them. Where the figures come from (Redis, rebuilt from
the database): reads/room_snapshot.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from chat_svc.models.memberships import Membership, NotificationLevel
from chat_svc.models.rooms import RoomKind


@dataclass(frozen=True)
class RoomPlace:
    """One membership as the pages need it: the room's title from this person's side (a
    direct room is titled with the other person), its kind and the read position."""

    room: str
    title: str
    kind: RoomKind
    last_read_message_id: int
    hidden: bool = False  # a direct room hidden by this person (actions/membership_changes.py)
    level: NotificationLevel | None = None  # as chosen (chat_svc/push/levels/); None: default


@dataclass(frozen=True)
class SidebarEntry:
    slug: str
    title: str
    kind: str
    unread: int
    current: bool
    mentions: int = 0  # unread messages that mention the person
    level: NotificationLevel | None = None  # the tab title leaves "nothing" out (tab-title.js)
    avatar: str = ""  # a direct room: the other person's, as HTML (avatars/direct_room_avatars)


@dataclass(frozen=True)
class Sidebar:
    rooms: list[SidebarEntry]
    direct: list[SidebarEntry]
    # The person's membership of the room on screen (None when they are not a member).
    membership: RoomPlace | None
    # The room they opened last (where ``GET /`` goes).
    last_opened: str | None


def build_sidebar(
    places: Iterable[RoomPlace],
    unread: Mapping[str, int],
    current_room: str | None,
    last_opened: str | None,
    mentions: Mapping[str, int] | None = None,
    avatars: Mapping[str, str] | None = None,
) -> Sidebar:
    """``unread``: the count per room (the current room's is not shown); ``mentions``: how
    many of those mention the person; ``avatars``: the direct rooms' avatars."""
    mentioned = mentions or {}
    drawn = avatars or {}
    places = list(places)
    entries = sorted(
        (
            SidebarEntry(
                slug=p.room,
                title=p.title,
                kind=p.kind,
                unread=0 if p.room == current_room else unread.get(p.room, 0),
                current=p.room == current_room,
                mentions=0 if p.room == current_room else mentioned.get(p.room, 0),
                level=p.level,
                avatar=drawn.get(p.room, ""),
            )
            for p in places
            # A hidden direct room comes back with news, or while it is on screen.
            if not p.hidden or p.room == current_room or unread.get(p.room, 0) > 0
        ),
        key=lambda entry: (entry.title.lower(), entry.slug),
    )
    return Sidebar(
        rooms=[e for e in entries if e.kind != "direct"],
        direct=[e for e in entries if e.kind == "direct"],
        membership=next((p for p in places if p.room == current_room), None),
        last_opened=last_opened,
    )


def place_of(membership: Membership) -> RoomPlace:
    m = membership
    return RoomPlace(
        m.room, m.title, m.kind, m.last_read_message_id, m.hidden, m.notification_level
    )


def last_opened(memberships: list[Membership]) -> str | None:
    opened = [m for m in memberships if m.opened_at is not None]
    return max(opened, key=lambda m: _aware(m.opened_at)).room if opened else None


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
