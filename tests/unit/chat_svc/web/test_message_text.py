"""Message text on the page: http(s) addresses become safe links, everything else stays
escaped text; day separators by UTC day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from jinja2 import FileSystemLoader

from chat_svc.models.messages import MessageRecord
from chat_svc.web.message_text import day_label, linkify
from chat_svc.web.rendering import MessageRenderer

TEMPLATES = "chat_svc/templates"
LINK = '<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>'


def test_an_https_address_becomes_a_link_opening_in_a_new_tab() -> None:
    assert linkify("see https://example.org/a?b=1&c=2 now") == (
        "see " + LINK.format("https://example.org/a?b=1&amp;c=2") + " now"
    )


def test_an_http_address_becomes_a_link_and_sentence_punctuation_stays_outside() -> None:
    assert linkify("(at http://example.org/x).") == (
        "(at " + LINK.format("http://example.org/x") + ")."
    )


def test_brackets_that_belong_to_the_address_stay_in_it() -> None:
    url = "https://en.wikipedia.org/wiki/Tree_(graph_theory)"
    assert linkify(url) == LINK.format(url)


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "<a href=javascript:alert(1)>x</a>",
        "vbscript:msgbox(1)",
    ],
)
def test_other_schemes_stay_escaped_text(text: str) -> None:
    rendered = linkify(text)
    assert "<a" not in rendered
    assert "<script" not in rendered


def test_markup_inside_an_address_cannot_break_out_of_the_attribute() -> None:
    rendered = linkify('https://example.org/"onmouseover="alert(1)<b>')
    escaped = "&#34;onmouseover=&#34;alert(1)&lt;b&gt;"
    assert rendered == LINK.format("https://example.org/") + escaped


def test_a_javascript_address_after_an_http_one_is_not_linked() -> None:
    rendered = linkify("https://a.example/ javascript:alert(1)")
    assert rendered.count("<a ") == 1
    assert "javascript:alert(1)" in rendered


@pytest.mark.parametrize("control", ["\u202e", "\u2067", "\u200f", "\u061c", "\u200b"], ids=repr)
def test_a_bidi_or_invisible_character_ends_a_link(control: str) -> None:
    # Issue 29 item 5: "…/\u202egpj.exe" was one link whose text read "…/exe.jpg".
    html = linkify(f"https://evil.example/{control}gpj.exe")
    assert html == LINK.format("https://evil.example/") + f"{control}gpj.exe"


def test_day_labels() -> None:
    today = date(2026, 11, 28)
    assert day_label(today, today) == "Today"
    assert day_label(date(2026, 11, 27), today) == "Yesterday"
    assert day_label(date(2026, 3, 1), today) == "Sunday, 1 March 2026"


def test_the_live_stream_renders_links_and_utc_times_like_the_page() -> None:
    renderer = MessageRenderer(FileSystemLoader(TEMPLATES))
    message = MessageRecord(
        message_id=7,
        author_id="u1",
        author_name="Ann <b>",
        body="read https://example.org & javascript:alert(1)",
        posted_at=datetime(2026, 11, 27, 23, 59, tzinfo=UTC),
    )
    html = renderer.html(message)
    assert LINK.format("https://example.org") in html
    assert "&amp; javascript:alert(1)" in html
    assert "Ann &lt;b&gt;" in html
    assert '<time datetime="2026-11-27T23:59:00.000+00:00" class="message-time">' in html
    assert "2026-11-27 23:59 UTC" in html
