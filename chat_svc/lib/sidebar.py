"""The person's rooms and direct messages with their unread counts (and how many of those
mention them): one query for the memberships, one aggregate for the counts, whatever the
number of rooms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chat_svc.models.memberships import Membership, select_memberships_of
from chat_svc.models.messages import count_unread_messages


@dataclass(frozen=True)
class SidebarEntry:
    slug: str
    title: str
    kind: str
    unread: int
    current: bool
    mentions: int = 0  # unread messages that mention the person


@dataclass(frozen=True)
class Sidebar:
    rooms: list[SidebarEntry]
    direct: list[SidebarEntry]
    # The person's membership of the room on screen (None when they are not a member).
    membership: Membership | None
    # The room they opened last (where ``GET /`` goes).
    last_opened: str | None


async def load_sidebar(user_id: str, current_room: str | None = None) -> Sidebar:
    memberships = await select_memberships_of(user_id)
    unread = await count_unread_messages(
        {m.room: m.last_read_message_id for m in memberships if m.room != current_room},
        reader=user_id,
    )
    entries = sorted(
        (
            SidebarEntry(
                slug=m.room,
                title=m.title,
                kind=m.kind,
                unread=unread[m.room].count if m.room in unread else 0,
                current=m.room == current_room,
                mentions=unread[m.room].mentions if m.room in unread else 0,
            )
            for m in memberships
        ),
        key=lambda entry: (entry.title.lower(), entry.slug),
    )
    return Sidebar(
        rooms=[e for e in entries if e.kind != "direct"],
        direct=[e for e in entries if e.kind == "direct"],
        membership=next((m for m in memberships if m.room == current_room), None),
        last_opened=last_opened(memberships),
    )


def last_opened(memberships: list[Membership]) -> str | None:
    opened = [m for m in memberships if m.opened_at is not None]
    return max(opened, key=lambda m: _aware(m.opened_at)).room if opened else None


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
