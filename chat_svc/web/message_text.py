"""How a message's text and time read on the page: web addresses as links, everything else
escaped; day separators between messages of different (UTC) days.

The same filters serve the page (Quart's environment) and the live stream (the renderer's
own), so a message reads the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from chat_svc.actions.mentions import without_tags
from chat_svc.web.avatars import avatar, viewer_avatar

# http(s) only: a scheme is matched literally, so javascript:, data: and friends stay text.
# The address runs to the next space or character that cannot end one in running text, or
# to a bidi control or invisible character: inside link text "…/\u202egpj.exe" would read
# "…/exe.jpg". The link ends before it (browsers percent-encode them in a typed address).
_INVISIBLE = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
_URL = re.compile(rf"\bhttps?://[^\s<>\"'{_INVISIBLE}]+", re.IGNORECASE)
# Punctuation right after an address usually closes the sentence, not the address.
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str) -> Markup:
    """``text`` escaped, with each http(s) address a link that opens in a new tab."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trimmed = _trim(url)
        address = escape(trimmed)
        parts.append(escape(text[position : match.start()]))
        # Joined, not Markup.format: a third of the time (a render calls it per text run).
        parts.append(f'<a href="{address}" rel="nofollow noopener noreferrer" target="_blank">')
        parts.append(f"{address}</a>")
        position = match.start() + len(trimmed)
    parts.append(escape(text[position:]))
    return Markup("".join(parts))  # noqa: S704 (every piece of text above is escaped)


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        # A closing bracket that has its opening one inside the address belongs to it
        # (https://en.wikipedia.org/wiki/Tree_(graph)).
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day.strftime('%A')}, {day.day} {day.strftime('%B %Y')}"


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def install_message_text(globals_: dict[str, Any], filters: dict[str, Callable[..., Any]]) -> None:
    """Add the filters and helpers message templates use to a Jinja environment."""
    # Imported here: formatting builds on linkify above.
    from chat_svc.formatting.stored_html import formatted_body
    from chat_svc.reactions.reaction_text import install_reaction_text

    filters["without_mention_tags"] = without_tags
    filters["linkify"] = linkify
    filters["formatted_body"] = formatted_body
    globals_["utc_day"] = utc_day
    globals_["avatar"] = avatar
    globals_["viewer_avatar"] = viewer_avatar
    globals_["day_label"] = day_label
    globals_["utc_today"] = lambda: datetime.now(UTC).date()
    install_reaction_text(globals_)
