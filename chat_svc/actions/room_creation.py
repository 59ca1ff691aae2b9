"""Creating a named room: a name no room its creator can see has (ignoring case), and a
slug for its URL (an open room's from its name, a closed room's random).

A closed room's name blocks nobody else's: an open room named like it, or with a name whose
slug it would have taken, would tell an outsider that it exists (issue 29, item 4).
"""

from __future__ import annotations

import logging
import secrets

from nats.aio.client import Client as NATS

from chat_svc.actions.membership_changes import join_room
from chat_svc.actions.message_ids import start_new_room
from chat_svc.actions.room_names import (
    CLOSED_PREFIX,
    closed_name_key,
    hidden_slug,
    name_key,
    numbered_slug,
    slug_for,
)
from chat_svc.auth.auth_client import Viewer
from chat_svc.models.rooms import (
    NameTakenError,
    Room,
    RoomKind,
    SlugTakenError,
    insert_room,
    rekey_room,
    select_room_by_name_key,
)
from chat_svc.reads.room_access import RoomAccess

log = logging.getLogger(__name__)

# "Ops", "ops!", "OPS?"… share a slug: try numbered ones, then give up on guessing.
NUMBERED_SLUG_ATTEMPTS = 20


async def create_room(
    nats: NATS, access: RoomAccess, name: str, kind: RoomKind, creator: Viewer
) -> Room:
    """The creator becomes its first member. Raises ``NameTakenError``."""
    key = name_key(name)
    if await name_seen_by(access, creator.user_id, key):
        raise NameTakenError(name)
    if kind == "open":
        room = await _insert_open_room(name, key, creator.user_id)
    else:
        slug = hidden_slug(CLOSED_PREFIX)
        room = await insert_room(slug, name, closed_name_key(slug), kind, creator.user_id)
    await start_new_room(access.people.redis, room.slug)
    await join_room(nats, access, room, creator.user_id, room.name)
    log.info("room created", extra={"room": room.slug, "kind": kind, "user_id": creator.user_id})
    return room


async def name_seen_by(access: RoomAccess, user_id: str, key: str) -> bool:
    """An open room, or a closed room the person is in, already has this name."""
    holder = await select_room_by_name_key(key)
    if holder is not None and holder.kind == "open":
        return True
    places = (await access.people.copy_of(user_id)).places.values()
    return any(p.kind == "closed" and name_key(p.title) == key for p in places)


async def _insert_open_room(name: str, key: str, creator_id: str) -> Room:
    base = slug_for(name)
    candidates = [numbered_slug(base, n) for n in range(1, NUMBERED_SLUG_ATTEMPTS + 1)]
    candidates.append(f"{base}-{secrets.token_hex(4)}")
    holder = await select_room_by_name_key(key)
    if holder is not None and holder.kind == "closed":
        # A closed room made before closed rooms had keys of their own holds the name.
        await rekey_room(holder.slug, closed_name_key(holder.slug))
    for slug in candidates:
        try:
            return await insert_room(slug, name, key, "open", creator_id)
        except SlugTakenError:
            continue
    raise SlugTakenError(base)


class RoomCreation:
    """``create_room`` with its NATS client and caches (built once at start-up)."""

    def __init__(self, nats: NATS, access: RoomAccess) -> None:
        self._nats = nats
        self._access = access

    async def create(self, name: str, kind: RoomKind, creator: Viewer) -> Room:
        return await create_room(self._nats, self._access, name, kind, creator)
