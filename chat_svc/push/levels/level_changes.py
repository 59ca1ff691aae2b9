"""Choosing a room's level: the store first, then the person's copy in Redis (the sidebar
reads it), then a hint to their open tabs, which redraw the sidebar: the tab title leaves
a room at *nothing* out and the bell menu marks the level (tab-title.js, level-menu.js).
The room's set of members at *everything* (every_message_members.py) gains a person before
their copy says *everything* and loses them after it no longer does: always a superset."""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS
from redis.exceptions import RedisError

from chat_svc.actions.membership_changes import publish_change
from chat_svc.events import MembershipChanged
from chat_svc.models.memberships import NotificationLevel
from chat_svc.push.levels.every_message_members import EveryMessageMembers
from chat_svc.push.levels.levels import set_level
from chat_svc.reads.person_rooms import PersonRooms

log = logging.getLogger(__name__)


async def choose_level(
    nats: NATS, people: PersonRooms, room: str, user_id: str, level: NotificationLevel
) -> None:
    await set_level(room, user_id, level)
    every_message = EveryMessageMembers(people.redis)
    try:
        if level == "everything":
            await every_message.chosen(room, user_id, level)
        await people.level_chosen(user_id, room, level)
        if level != "everything":
            await every_message.chosen(room, user_id, level)
    except (RedisError, OSError) as error:  # the copy's next rebuild reads the store
        log.warning("room level not cached: %s", error, extra={"room": room})
    await publish_change(nats, MembershipChanged(user_id=user_id, room=room, change="level"))
