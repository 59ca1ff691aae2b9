"""Creating a named room: a unique name (ignoring case) and a free slug for its URL."""

from __future__ import annotations

import logging
import secrets

from nats.aio.client import Client as NATS

from chat_svc.actions.membership_changes import join_room
from chat_svc.actions.message_ids import start_new_room
from chat_svc.actions.room_names import name_key, numbered_slug, slug_for
from chat_svc.auth.auth_client import Viewer
from chat_svc.models.rooms import (
    NameTakenError,
    Room,
    RoomKind,
    SlugTakenError,
    insert_room,
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
    if await select_room_by_name_key(key) is not None:
        raise NameTakenError(name)
    base = slug_for(name)
    candidates = [numbered_slug(base, n) for n in range(1, NUMBERED_SLUG_ATTEMPTS + 1)]
    candidates.append(f"{base}-{secrets.token_hex(4)}")
    for slug in candidates:
        try:
            room = await insert_room(slug, name, key, kind, creator.user_id)
            break
        except SlugTakenError:
            continue
    else:
        raise SlugTakenError(base)
    await start_new_room(access.people.redis, room.slug)
    await join_room(nats, access, room, creator.user_id, room.name)
    log.info("room created", extra={"room": room.slug, "kind": kind, "user_id": creator.user_id})
    return room


class RoomCreation:
    """``create_room`` with its NATS client and caches (built once at start-up)."""

    def __init__(self, nats: NATS, access: RoomAccess) -> None:
        self._nats = nats
        self._access = access

    async def create(self, name: str, kind: RoomKind, creator: Viewer) -> Room:
        return await create_room(self._nats, self._access, name, kind, creator)
