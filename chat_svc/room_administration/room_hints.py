"""Every replica hears RoomChanged (core NATS) and drops the room it keeps in memory."""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError

from chat_svc.events import RoomChanged
from chat_svc.reads.room_access import RoomAccess

log = logging.getLogger(__name__)


async def listen_for_room_changes(nats: NATS, access: RoomAccess) -> None:
    """For the connection's life (a hint: a lost one leaves the room as it was kept)."""

    async def heard(msg: Msg) -> None:
        try:
            access.forget_room(RoomChanged.model_validate_json(msg.data).room)
        except ValidationError as error:
            log.error("malformed RoomChanged dropped: %s", error)

    await nats.subscribe(RoomChanged.SUBJECT, cb=heard)
