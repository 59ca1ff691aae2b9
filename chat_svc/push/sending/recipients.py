"""Who a posted message is pushed to: members other than the author whose level asks for
it, who have not read it yet, and who have had no stream open for ``away_seconds``
(live/presence.py notes when each person last had one)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from chat_svc.events import MessagePosted
from chat_svc.live.presence import stream_seen_key
from chat_svc.models.memberships import Membership
from chat_svc.push.levels.levels import effective_level, level_asks_for, parse_level


@dataclass(frozen=True)
class Recipient:
    user_id: str
    where: str  # the room as this person sees it (a direct room: the other person's name)
    direct: bool


async def select_recipients(
    event: MessagePosted, redis: Redis, away_seconds: float
) -> list[Recipient]:
    rows = Membership.get_pymongo_collection().find(
        {"room": event.room, "last_read_message_id": {"$lt": event.message_id}},
        {"user_id": 1, "title": 1, "kind": 1, "notification_level": 1, "_id": 0},
    )
    wanted: list[Recipient] = []
    async for row in rows:
        user_id = str(row["user_id"])
        if user_id == event.author_id:
            continue
        level = effective_level(row["kind"], parse_level(row.get("notification_level")))
        if level_asks_for(level, mentioned=user_id in event.mentions):
            wanted.append(Recipient(user_id, str(row["title"]), row["kind"] == "direct"))
    return await away_only(wanted, redis, away_seconds)


async def away_only(people: list[Recipient], redis: Redis, away_seconds: float) -> list[Recipient]:
    if not people:
        return []
    seen = await redis.mget([stream_seen_key(p.user_id) for p in people])
    since = time.time() - away_seconds
    return [p for p, at in zip(people, seen, strict=True) if at is None or float(at) < since]


async def still_unread(room: str, user_id: str, message_id: int) -> bool:
    found = await Membership.get_pymongo_collection().find_one(
        {"room": room, "user_id": user_id}, {"last_read_message_id": 1}
    )
    return found is not None and int(found.get("last_read_message_id", 0)) < message_id
