"""The stored lines: one short collection, read by room and time."""

from __future__ import annotations

from datetime import UTC, datetime

from beanie import Document
from pymongo import ASCENDING, IndexModel

# A page shows the lines of its messages' time span; more than this many is a flood.
LINES_PER_PAGE = 100


class MemberLine(Document):
    room: str
    text: str  # as people read it: "Ada added Grace"
    at: datetime

    class Settings:
        name = "member_lines"
        indexes = [IndexModel([("room", ASCENDING), ("at", ASCENDING)])]  # noqa: RUF012 - beanie reads a plain list


LINE_MODELS = (MemberLine,)


async def store_line(room: str, text: str) -> MemberLine:
    line = MemberLine(room=room, text=text, at=datetime.now(UTC))
    await line.insert()
    return line


async def select_lines(
    room: str, since: datetime | None, until: datetime | None
) -> list[MemberLine]:
    """The room's lines from ``since`` up to ``until`` (each open when None), oldest first."""
    at: dict[str, datetime] = {}
    if since is not None:
        at["$gte"] = since
    if until is not None:
        at["$lt"] = until
    query: dict[str, object] = {"room": room} | ({"at": at} if at else {})
    newest = await MemberLine.find(query).sort("-at").limit(LINES_PER_PAGE).to_list()
    return newest[::-1]
