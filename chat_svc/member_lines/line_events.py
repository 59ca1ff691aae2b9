"""A line was written: every replica hands it to its open pages of the room (core NATS, a
hint like typing; the store has the line for the next page load)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from service_kit.events import Event


class MemberLineWritten(Event):
    SUBJECT: ClassVar[str] = "chat.member_line.written"
    room: str
    text: str
    at: datetime
