"""The render's shortcuts (a line with no Markdown skips the parser; text with no address
skips linkify; highlighted blocks are cached) give the HTML the full path gives."""

from __future__ import annotations

import random

import pytest

from chat_svc.formatting import markdown_render
from chat_svc.formatting.code_highlight import highlight_code
from chat_svc.formatting.markdown_render import render_markdown

# Markdown's syntax characters, whitespace of several kinds, digits, addresses, quotes.
_PIECES = [
    *"abc xyz 019.)-+*#>=`~_<&![]()\\:;'\"\t\n\r\u00a0\u2028\u200b\u00e9\U0001f600",
    "https://example.org/a_(b)",
    "http://x.example/?q=1&r=2",
    "&amp;",
    "[x](https://a.example)",
    "<https://b.example>",
    "_em_",
    "    ",
    "\n\n",
    "@Ann Lee",
    "C++",
]


def _random_texts(count: int) -> list[str]:
    chooser = random.Random(34)  # fixed: a failure reproduces
    return ["".join(chooser.choices(_PIECES, k=chooser.randint(1, 12))) for _ in range(count)]


@pytest.mark.parametrize(
    "source",
    [
        "We moved the deploy to Thursday, see https://example.org/plan for why.",
        "Thanks! 50% done, x > y, a - b, C++ and @Ann",
        "it's \"quoted\" and 'single'  ",
        "trailing blanks \n\n  \t",
        "3 people came",  # a digit first: the parser's (an ordered list starts so)
        "\u00a0starts with a no-break space",
    ],
)
def test_a_line_with_no_markdown_renders_as_the_parser_renders_it(source: str) -> None:
    assert render_markdown(source) == markdown_render._parsed_html(source)


def test_any_text_renders_as_the_parser_renders_it() -> None:
    for source in _random_texts(3000):
        assert render_markdown(source) == markdown_render._parsed_html(source), repr(source)


def test_the_shortcut_skips_the_parser_only_for_a_line_with_no_markdown() -> None:
    assert markdown_render._is_plain_line("see https://example.org/x, it's fine!")
    for source in ("- item", "1. item", "    code", "a *b*", "a\nb", "a &amp; b", "`x`"):
        assert not markdown_render._is_plain_line(source), source


def test_a_highlighted_block_is_the_same_from_the_cache() -> None:
    code = "def f(x):\n    return x  # same\n"
    first = highlight_code(code, "python", "")
    assert first.startswith('<span class="k">def</span>')
    assert highlight_code(code, " Python ", "") == first
    assert highlight_code(code, "nosuchlanguage", "") == ""
