"""Who a posted message is pushed to: members other than the author whose level asks for
it, who have not read it yet, and who have had no stream open for ``away_seconds``
(live/presence.py notes when each person last had one).

The room's members come from the list each replica keeps for mentions (reads/
room_members.py: active people only, dropped on every join and leave), their level and read
position from their copies in Valkey (member_places.py): no database read per message
while both are warm. Only the copies of those whose level may ask are read: the members
at *everything* (every_message_members.py) and the ones mentioned, or everyone in a direct
room; so a message in a room of 1,000 where nobody chose *everything* reads none."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from chat_svc.actions.room_names import is_direct
from chat_svc.events import MessagePosted
from chat_svc.live.presence import stream_seen_key
from chat_svc.push.levels.every_message_members import EveryMessageMembers
from chat_svc.push.levels.levels import effective_level, level_asks_for
from chat_svc.push.sending.member_places import MemberPlaces
from chat_svc.reads.room_members import RoomMembers


@dataclass(frozen=True)
class Recipient:
    user_id: str
    where: str  # the room as this person sees it (a direct room: the other person's name)
    direct: bool


@dataclass
class RecipientSources:
    places: MemberPlaces  # each member's level and read position (their copies in Valkey)
    members: RoomMembers  # the room's members, kept in this replica (reads/room_members.py)
    every_message: EveryMessageMembers  # who chose *everything*, per room (Valkey)

    async def candidates(self, event: MessagePosted) -> list[str]:
        """The members other than the author whose level may ask for this message."""
        others = await self.members.ids_of(event.room) - {event.author_id}
        # Nobody else, or a direct room (everyone there asks): no set to read.
        if not others or is_direct(event.room):
            return sorted(others)
        return sorted(others & (await self.every_message.of(event.room) | set(event.mentions)))


async def select_recipients(
    event: MessagePosted, sources: RecipientSources, redis: Redis, away_seconds: float
) -> list[Recipient]:
    others = await sources.candidates(event)
    places = sources.places
    wanted = [
        Recipient(user_id, place.title, place.kind == "direct")
        for user_id, place in (await places.of(event.room, others)).items()
        if place.last_read_message_id < event.message_id
        and level_asks_for(
            effective_level(place.kind, place.level), mentioned=user_id in event.mentions
        )
    ]
    return await away_only(wanted, redis, away_seconds)


async def away_only(people: list[Recipient], redis: Redis, away_seconds: float) -> list[Recipient]:
    if not people:
        return []
    seen = await redis.mget([stream_seen_key(p.user_id) for p in people])
    since = time.time() - away_seconds
    return [p for p, at in zip(people, seen, strict=True) if at is None or float(at) < since]
