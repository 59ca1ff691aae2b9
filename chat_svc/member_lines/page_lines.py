"""The lines a page of the log shows: those in the time span of its messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from chat_svc.member_lines.line_markup import timed_lines
from chat_svc.member_lines.line_records import select_lines
from chat_svc.models.messages import MessageRecord

log = logging.getLogger(__name__)


async def lines_for_page(
    room: str, shown: Sequence[MessageRecord], *, from_start: bool, to_end: bool
) -> list[tuple[datetime, str]]:
    """``from_start``: the page begins with the room's first message (earlier lines too);
    ``to_end``: it ends with the newest (later lines too). A page never fails for want of
    its lines."""
    since = None if from_start or not shown else shown[0].posted_at
    until = None if to_end or not shown else shown[-1].posted_at
    try:
        return timed_lines(await select_lines(room, since, until))
    except Exception as error:
        log.warning("member lines not read: %s", error, extra={"room": room})
        return []
