"""Writing a line: stored first, then published for the open pages."""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS

from chat_svc.member_lines.line_events import MemberLineWritten
from chat_svc.member_lines.line_records import store_line
from service_kit.lifecycle import infrastructure_of

log = logging.getLogger(__name__)


async def write_line(nats: NATS, room: str, text: str) -> None:
    """Never fails the join, leave or add it describes: the membership is what counts."""
    try:
        line = await store_line(room, text)
    except Exception as error:
        log.warning("member line not stored: %s", error, extra={"room": room})
        return
    event = MemberLineWritten(room=room, text=text, at=line.at)
    try:
        await nats.publish(MemberLineWritten.SUBJECT, event.to_bytes())
    except Exception as error:  # open pages show it on their next load
        log.warning("member line not published: %s", error, extra={"room": room})


async def note_line(room: str, text: str) -> None:
    """``write_line`` with this app's NATS client (a view's call)."""
    await write_line(infrastructure_of().nats, room, text)
