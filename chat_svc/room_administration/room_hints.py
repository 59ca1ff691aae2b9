"""Every replica hears RoomChanged (core NATS) and drops the room it keeps in memory, then
tells its open pages (live_room_changes.py)."""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError

from chat_svc.events import RoomChanged
from chat_svc.live.fanout import Fanout
from chat_svc.reads.room_access import RoomAccess
from chat_svc.room_administration.live_room_changes import show_room_change
from service_kit.messaging.jetstream import ReconnectListener

log = logging.getLogger(__name__)


async def listen_for_room_changes(
    nats: NATS,
    access: RoomAccess,
    fanout: Fanout,
    reconnect_listeners: list[ReconnectListener],
) -> None:
    """For the connection's life; after a reconnect every room is read again (hints sent
    while this replica was away were lost)."""
    reconnect_listeners.append(access.forget_rooms)

    async def heard(msg: Msg) -> None:
        try:
            event = RoomChanged.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed RoomChanged dropped: %s", error)
            return
        access.forget_room(event.room)
        await show_room_change(fanout, access, event)

    await nats.subscribe(RoomChanged.SUBJECT, cb=heard)
