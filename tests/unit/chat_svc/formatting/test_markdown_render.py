"""Formatted text (issue 34): each Markdown feature renders to the tags the issue names, and
hostile input stays inert text and renders in bounded time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from chat_svc.actions.mentions import find_mentions
from chat_svc.formatting.markdown_render import prose_of, render_markdown
from chat_svc.formatting.stored_html import formatted_body
from chat_svc.models.messages import MessageRecord

LINK = '<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{1}</a>'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**strong**", "<strong>strong</strong>"),
        ("_em_ and *em*", "<em>em</em> and <em>em</em>"),
        ("~~gone~~", "<s>gone</s>"),
        ("`x < y`", "<code>x &lt; y</code>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        ("3. c", '<ol start="3">\n<li>c</li>\n</ol>'),
        ("[docs](https://example.org/d)", LINK.format("https://example.org/d", "docs")),
        ("<https://example.org>", LINK.format("https://example.org", "https://example.org")),
        (
            "see https://example.org.",
            f"see {LINK.format('https://example.org', 'https://example.org')}.",
        ),
        ("one\ntwo", "one<br>\ntwo"),
    ],
)
def test_each_markdown_feature_renders_to_its_tag(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_a_fenced_block_with_a_language_is_highlighted_with_token_classes() -> None:
    html = render_markdown('```python\ndef f():\n    return "<b>"\n```')
    assert html.startswith('<pre><code class="language-python"><span class="k">def</span>')
    assert '    <span class="k">return</span>' in html  # indentation kept
    assert "&lt;b&gt;" in html
    assert html.endswith("</code></pre>")


def test_a_fenced_block_in_an_unknown_language_is_escaped_text() -> None:
    assert render_markdown("```nosuchlanguage\n<b>x</b>\n```") == (
        '<pre><code class="language-nosuchlanguage">&lt;b&gt;x&lt;/b&gt;\n</code></pre>'
    )


def test_headings_render_as_headings_and_images_do_not_load() -> None:
    html = render_markdown("# Title\n\n![alt](https://example.org/a.png)")
    assert html.startswith("<h1>Title</h1>")  # app.css keeps it at the body's size
    assert "<img" not in html


def test_no_link_inside_a_link() -> None:
    assert render_markdown("[https://a.example](https://b.example)") == LINK.format(
        "https://b.example", "https://a.example"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("<javascript:alert(1)>", "&lt;javascript:alert(1)&gt;"),
        ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert(1)"&gt;'),
        ("&lt;b&gt; &amp; &#x41;", "&lt;b&gt; &amp; A"),
        ("[x](data:text/html,hi)", "[x](data:text/html,hi)"),
    ],
)
def test_hostile_markup_stays_text(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


HOSTILE = {
    "emphasis bomb": "*" * 10_000,
    "nested emphasis": "*a " * 700,
    "open brackets": "[" * 2000,
    "unclosed links": "[a](" * 500,
    "deep quotes": "> " * 1000 + "a",
    "one 2,000-character code line": "```\n" + "x" * 2000 + "\n```",
    "highlighted 2,000 characters": "```python\n" + "x = 1; " * 285 + "\n```",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_renders_in_bounded_time(source: str) -> None:
    started = time.perf_counter()
    html = render_markdown(source)
    # A guard against super-linear blow-ups (seconds), not a speed figure: that is
    # docs/performance.md's, measured quietly.
    assert time.perf_counter() - started < 1.0
    assert "<script" not in html
    assert len(html) < 40 * len(source)


def test_a_long_code_line_is_kept_whole_for_the_block_to_scroll() -> None:
    assert render_markdown("```\n" + "x" * 2000 + "\n```") == (
        "<pre><code>" + "x" * 2000 + "\n</code></pre>"
    )


def test_right_to_left_text_keeps_its_characters_and_order() -> None:
    assert render_markdown("שלום **עולם** مرحبا") == "שלום <strong>עולם</strong> مرحبا"


def test_a_bidi_override_ends_an_address_before_it() -> None:
    html = render_markdown("https://example.org/\u202egpj.exe")
    assert LINK.format("https://example.org/", "https://example.org/") + "\u202egpj.exe" == html


MEMBERS = [("u-ann", "Ann"), ("u-bob", "Bob"), ("u-cy", "Cy"), ("u-dan", "Dan")]


def test_mentions_count_in_formatted_text_and_never_in_code() -> None:
    body = "**@Ann** and `@Bob`\n```\n@Cy\n```\n> @Dan"
    assert find_mentions(prose_of(body), MEMBERS) == ("u-ann", "u-dan")


def test_a_message_stored_before_formatting_renders_when_read() -> None:
    old = MessageRecord(
        message_id=1,
        author_id="u-ann",
        author_name="Ann",
        body="**old**",
        posted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert formatted_body(old) == "<strong>old</strong>"
    stored = old.model_copy(update={"body_html": "<em>as stored</em>"})
    assert formatted_body(stored) == "<em>as stored</em>"
