"""``GET /api/v1/events`` without ``room``: the live events of every room the token's
person belongs to, on one connection, following their joins and leaves as they happen.

Each event's id is the map of per-room positions (api/room_positions.py); a reconnect with
that ``Last-Event-ID`` (or ``?after=`` the same map) gets exactly what each room missed.
A ``rooms`` event opens the stream and follows every join or leave: the person's rooms, with
an id that names every room's position, so rooms without events resume exactly too.
"""

from __future__ import annotations

import json
import logging

from quart import request

from chat_svc.actions.message_feed import TooFarBehindError
from chat_svc.api.event_frames import json_frame
from chat_svc.api.every_room_clients import EveryRoomOutlet, RoomTap
from chat_svc.api.room_positions import parse_positions
from chat_svc.live.fanout import rooms_of
from chat_svc.live.sse_frames import frame
from chat_svc.live.stream_client import NOTHING_SENT
from chat_svc.models.memberships import select_memberships_of
from chat_svc.services import ChatServices

log = logging.getLogger(__name__)


def resume_positions() -> dict[str, int]:
    """``Last-Event-ID`` wins over ``?after=``; none or malformed: every room from now."""
    for candidate in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if (positions := parse_positions(candidate)) is not None:
            return positions
    return {}


class EveryRoomStream:
    def __init__(self, services: ChatServices, outlet: EveryRoomOutlet) -> None:
        self.services = services
        self.outlet = outlet

    async def open(self, resume: dict[str, int]) -> None:
        await self.update(resume)

    async def update(self, resume: dict[str, int] | None = None) -> None:
        """Start the rooms the person joined (from ``resume``, else from their join), end
        the ones they left, and say which rooms the stream now carries."""
        outlet, fanout = self.outlet, self.services.live.fanout
        outlet.rooms_changed = False
        joined_at = {
            m.room: m.last_read_message_id for m in await select_memberships_of(outlet.user_id)
        }
        left = [
            tap for room, tap in outlet.taps.items() if room not in joined_at or tap.close_reason
        ]
        for tap in left:
            fanout.remove(tap)
            del outlet.taps[tap.room]
            outlet.positions.pop(tap.room, None)
        await self.services.live.subscriptions.release([tap.room for tap in left])
        new = [RoomTap(outlet, room) for room in sorted(set(joined_at) - set(outlet.taps))]
        for tap in new:
            fanout.add(tap)  # before the positions and backlogs are read: nothing falls between
            outlet.taps[tap.room] = tap
        await self.services.live.subscriptions.follow([tap.room for tap in new])
        # Every position first, so the first id the client holds names every room.
        starts = {
            tap.room: resume.get(tap.room) if resume is not None else joined_at[tap.room]
            for tap in new
        }
        for tap in new:
            if starts[tap.room] is None:
                outlet.positions[tap.room] = await self.services.reads.history.newest_event_id(
                    tap.room
                )
            else:
                outlet.positions[tap.room] = starts[tap.room] or 0
        outlet.send_stamped(frame("rooms", json.dumps(sorted(outlet.taps))))
        for tap in new:
            await self._backlog(tap, starts[tap.room])

    async def _backlog(self, tap: RoomTap, after_id: int | None) -> None:
        if after_id is None:
            tap.go_live(NOTHING_SENT)
            return
        services, outlet = self.services, self.outlet
        tap.resumed_after = after_id
        try:
            missed = await services.actions.messages.after(
                tap.room, after_id, services.settings.max_resume_backlog
            )
        except TooFarBehindError:
            # The gap is read with GET .../messages?after=<id>; the stream goes on from now.
            outlet.positions[tap.room] = await services.reads.history.newest_event_id(tap.room)
            outlet.send_stamped(
                frame("too-far-behind", json.dumps({"room": tap.room, "after": after_id}))
            )
            tap.go_live(NOTHING_SENT)
            return
        for message in missed:
            replaces = message.message_id <= after_id
            outlet.send(tap.room, message.stream_id, json_frame(message, replaces, None))
        tap.go_live(frozenset({m.message_id for m in missed} | {m.stream_id for m in missed}))

    def close(self) -> set[str]:
        """Out of the fan-out; the rooms whose subscriptions may be released."""
        clients = [self.outlet, *self.outlet.taps.values()]
        for client in clients:
            self.services.live.fanout.remove(client)
        return rooms_of(clients)
