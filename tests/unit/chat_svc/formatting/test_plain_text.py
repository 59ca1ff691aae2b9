"""A message's Markdown read as plain text (a reply's quote shows its original so)."""

from __future__ import annotations

import pytest

from chat_svc.formatting.plain_text import plain_text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**Deploy** at _noon_, ~~old~~", "Deploy at noon, old"),
        (
            "see [the plan](https://example.org/p) and <https://a.example>",
            "see the plan and https://a.example",
        ),
        ("`x < y` &amp; \\*not em\\*", "x < y & *not em*"),
        ("> quoted\n\n- one\n- two", "quoted\none\ntwo"),
        ("# Title\nline one\nline two", "Title\nline one\nline two"),
        ("```python\nprint(1)\n```\nafter", "print(1)\n\nafter"),
        ("<b>raw</b>", "<b>raw</b>"),  # text as typed: the template escapes it
    ],
)
def test_markdown_reads_as_its_text(source: str, expected: str) -> None:
    assert plain_text(source) == expected
