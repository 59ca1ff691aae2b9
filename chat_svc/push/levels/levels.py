"""Per-room notification levels, kept on the membership (Campfire's "involvement").

*mentions* (mentions and direct messages) is the default for rooms; a direct room always
notifies, so its level is never asked for nor stored.
"""

from __future__ import annotations

from typing import get_args

from chat_svc.models.memberships import Membership, NotificationLevel
from chat_svc.models.rooms import RoomKind

LEVELS: tuple[NotificationLevel, ...] = get_args(NotificationLevel)
DEFAULT_LEVEL: NotificationLevel = "mentions"
LEVEL_LABELS: dict[NotificationLevel, str] = {
    "everything": "Every message",
    "mentions": "Mentions only",
    "nothing": "Nothing",
}


def parse_level(value: str | None) -> NotificationLevel | None:
    for level in LEVELS:
        if value == level:
            return level
    return None


def effective_level(kind: RoomKind, stored: NotificationLevel | None) -> NotificationLevel:
    if kind == "direct":
        return "everything"
    return stored or DEFAULT_LEVEL


def level_asks_for(level: NotificationLevel, *, mentioned: bool) -> bool:
    """Whether a message, mentioning this person or not, is one this level notifies of."""
    return level == "everything" or (level == "mentions" and mentioned)


async def set_level(room: str, user_id: str, level: NotificationLevel) -> None:
    await Membership.get_pymongo_collection().update_one(
        {"room": room, "user_id": user_id}, {"$set": {"notification_level": level}}
    )


async def select_room_levels(user_id: str) -> list[tuple[Membership, NotificationLevel]]:
    """The person's rooms that have a level to choose (not direct ones), by title."""
    found = await Membership.find(
        Membership.user_id == user_id, Membership.kind != "direct"
    ).to_list()
    return [
        (m, effective_level(m.kind, m.notification_level))
        for m in sorted(found, key=lambda m: m.title.lower())
    ]
