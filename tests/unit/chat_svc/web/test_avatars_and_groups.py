"""Avatars (initials on a colour from the account, readable) and message groups (the same
author within five minutes shares one header)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chat_svc.models.messages import MessageRecord, author_tag
from chat_svc.web.avatars import AVATAR_COLOURS, avatar, avatar_colour, initials
from chat_svc.web.conversation import continues

APP_CSS = Path("web_templates/static/css/app.css")
START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_initials_are_the_first_and_last_words_first_letters() -> None:
    assert initials("Ada Lovelace") == "AL"
    assert initials("grace brewster murray hopper") == "GH"
    assert initials("Bob") == "B"
    assert initials("שלום עולם") == "שע"
    assert initials("  ") == "?"


def test_the_colour_comes_from_the_account_and_is_escaped_markup() -> None:
    tag = author_tag("user-1")
    assert avatar_colour(tag) == int(tag, 16) % AVATAR_COLOURS
    html = str(avatar("Ann <b>", tag))
    assert html == (f'<span class="avatar avatar-{avatar_colour(tag)}" aria-hidden="true">A</span>')
    colours = {avatar_colour(author_tag(f"user-{n}")) for n in range(200)}
    assert colours == set(range(AVATAR_COLOURS))  # every colour is used


def test_every_avatar_colour_in_the_stylesheet_carries_white_initials_at_4_5_to_1() -> None:
    css = APP_CSS.read_text(encoding="utf-8")
    found = dict(re.findall(r"\.avatar-(\d+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert sorted(int(n) for n in found) == list(range(AVATAR_COLOURS))
    for colour in found.values():
        ratio = 1.05 / (_luminance(colour) + 0.05)
        assert ratio >= 4.5, f"white on {colour}: {ratio:.2f}"


def _message(
    message_id: int, author: str, minutes: float, *, deleted: bool = False
) -> MessageRecord:
    return MessageRecord(
        message_id=message_id,
        author_id=author,
        author_name=author,
        body="" if deleted else "hi",
        posted_at=START + timedelta(minutes=minutes),
        deleted=deleted,
    )


def test_a_message_continues_its_authors_group_within_five_minutes_only() -> None:
    first = _message(1, "ada", 0)
    assert not continues(first, None)
    assert continues(_message(2, "ada", 4.9), first)
    assert not continues(_message(2, "ada", 5), first)
    assert not continues(_message(2, "bob", 1), first)
    assert not continues(_message(2, "ada", 1, deleted=True), first)
    assert not continues(_message(2, "ada", 1), _message(1, "ada", 0, deleted=True))
