"""A direct room is titled, on the other person's side, with the renamed person's name: a
rename rewrites those titles in the store and in each other person's copy in Redis
(reads/person_rooms.py), so their sidebar and the room's heading follow at the next page."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from chat_svc.models.memberships import Membership, select_memberships_of
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.sidebar import place_of

log = logging.getLogger(__name__)


async def retitle_direct_rooms(people: PersonRooms, user_id: str, name: str) -> None:
    rooms = [m.room for m in await select_memberships_of(user_id) if m.kind == "direct"]
    if not rooms:
        return
    others = {"room": {"$in": rooms}, "user_id": {"$ne": user_id}}
    await Membership.get_pymongo_collection().update_many(others, {"$set": {"title": name}})
    for membership in await Membership.find(others).to_list():
        try:
            # The same write as hiding or showing the room, with the new title.
            await people.hidden(membership.user_id, place_of(membership), membership.hidden)
        except (RedisError, OSError) as error:  # the copy's next rebuild brings the title
            log.warning("direct room title not cached: %s", error, extra={"room": membership.room})
