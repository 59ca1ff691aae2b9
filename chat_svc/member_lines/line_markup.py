"""A line as the log shows it: a list item like the day separators, the same for every
viewer, on the page and in the live stream (event ``member-line``, swapped in like a
message). Its time is UTC like a message's; local-times.js shows it on the local clock and
dates it like a message (the day separator stays above a line that opens a day)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from markupsafe import escape

from chat_svc.member_lines.line_records import MemberLine


def line_html(text: str, at: datetime) -> str:
    return (
        f'<li class="member-line" data-at="{at.isoformat(timespec="milliseconds")}">'
        f"<span>{escape(text)}</span> "
        f'<time datetime="{at.isoformat(timespec="milliseconds")}" class="message-time">'
        f"{at.strftime('%H:%M')} UTC</time></li>"
    )


def timed_lines(lines: Sequence[MemberLine]) -> list[tuple[datetime, str]]:
    """What ``ConversationRenderer.html`` merges into the log by time."""
    return [(line.at, line_html(line.text, line.at)) for line in lines]
