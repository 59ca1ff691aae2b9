"""Open pages follow a renamed, archived or restored room without a reload: each stream of
this replica that shows the room or counts it redraws its sidebar (the ``sidebar`` frame:
the new name, or the room hidden or back), and a stream showing a renamed room gets a
``room`` frame, ``{"name"}``, for its header (person-names.js). A deleted room needs
nothing here: its members leave it, which redraws their sidebars and ends those streams."""

from __future__ import annotations

import json

from chat_svc.events import RoomChanged
from chat_svc.live.fanout import Fanout
from chat_svc.live.sse_frames import frame
from chat_svc.live.subscriptions import SIDEBAR_CHANGED
from chat_svc.reads.room_access import RoomAccess


async def show_room_change(fanout: Fanout, access: RoomAccess, event: RoomChanged) -> None:
    if event.change == "deleted":
        return
    followers = [
        client
        for client in list(fanout.clients)
        if client.room == event.room or event.room in client.unread
    ]
    for client in followers:
        client.offer(0, SIDEBAR_CHANGED)
    viewers = [client for client in followers if client.room == event.room]
    room = await access.room(event.room) if viewers and event.change == "renamed" else None
    if room is not None:
        renamed = frame("room", json.dumps({"name": room.name}))
        for client in viewers:
            client.offer(0, renamed)
