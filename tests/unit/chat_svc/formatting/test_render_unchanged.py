"""The render's speed-ups change no byte: a fixed set of inputs (every feature, code in many
languages, hostile text and seeded random mixes of Markdown's syntax) renders to what it
rendered before them. ``render_digests.txt`` holds, per input in order, the first 16 hex
digits of the SHA-256 of its ``render_markdown``, ``prose_of`` and ``plain_text``, written
by ``_digest`` at commit "Render: golden digests of today's output" on the code before."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from chat_svc.formatting.markdown_render import prose_of, render_markdown
from chat_svc.formatting.plain_text import plain_text

DIGESTS = Path(__file__).with_name("render_digests.txt")

_LANGUAGES = (
    *("python", "py", "js", "javascript", "ts", "typescript", "bash", "sh", "console"),
    *("json", "yaml", "sql", "go", "rust", "java", "c", "cpp", "html", "css", "diff"),
    *("text", "dockerfile", "toml", "ruby", "php", "Python ", "nosuchlanguage", ""),
)
_CODE = (
    'def f(x):\n    """doc"""\n    return x * 2  # doubled\n',
    'const a = {b: [1, 2.5, "s"]}; // c\nfunction g() { return `t${a}`; }\n',
    "SELECT id, name FROM users WHERE id = 1; -- c\n",
    '<div class="x">&amp; <b>hi</b></div>\n',
    '$ ls -la | grep "x" && echo $HOME\n',
    '{"k": [1, true, null], "s": "v"}\n',
    "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n",
    'fn main() { let x: u8 = 1; println!("{}", x); }\n',
    "\n\n  leading and trailing blanks  \n\n",
    "\ttab\tseparated\n\u202e rtl \u05e9\u05dc\u05d5\u05dd \U0001f600\n",
)
_PIECES = (
    *"abc xyz 019.)-+*#>=`~_<&![]()\\:;'\"\t\n\r|\u00a0\u2028\u200b\u00e9\U0001f600",
    *("https://example.org/a_(b)", "http://x.example/?q=1&r=2", "www.example.org", "&amp;"),
    *("&copy;", "[x](https://a.example)", '[x](https://a.example "t")', "<https://b.example>"),
    *("<a@b.example>", "_em_", "**st**", "~~del~~", "`code`", "    ", "\n\n", "\n- ", "\n1. "),
    *("\n> ", "\n# ", "\n---\n", "\n===\n", "\n```py\n", "\n```\n", "@Ann Lee", "C++", "(c)"),
    *("...", "--", '"q"', "|a|b|\n|-|-|\n|1|2|", "[ref]: https://r.example\n", "[ref]"),
    *("![img](https://i.example/a.png)", "<b>raw</b>", "<!-- c -->", "javascript:x", "\\*"),
    *("  \n", "~~~\n", "<div>\n", "    indented code\n"),
)
_FIXED = (
    *("**strong**", "_em_ and *em*", "~~gone~~", "`x < y`", "> quoted", "- a\n- b"),
    *("1. a\n2. b", "3. c", "# Title\n\n![alt](https://example.org/a.png)", "one\ntwo"),
    *("<script>alert(1)</script>", "[x](javascript:alert(1))", "&lt;b&gt; &amp; &#x41;"),
    *('<img src=x onerror="alert(1)">', "*" * 10_000, "*a " * 700, "[" * 2000, "[a](" * 500),
    *("> " * 1000 + "a", "```\n" + "x" * 2000 + "\n```", "```python\n" + "x = 1; " * 285),
    *("שלום **עולם** مرحبا", "https://example.org/\u202egpj.exe", "a | b\n--|--\nc | d"),
    *('"smart" quotes -- dashes... (c) (tm)', "Setext\n======\n\nSub\n---"),
    *(("We moved the deploy, see https://example.org/plan. " * 40)[:2000],),
    *(("Some **bold**, `code`, https://example.org/x and _em_.\n" * 40)[:2000],),
    *(("> quoted line\n\n- item one\n- item _two_\n\n" * 50)[:2000],),
)


def _inputs() -> list[str]:
    sources = list(_FIXED)
    for language in _LANGUAGES:
        sources += [f"```{language}\n{code}```" for code in _CODE]
        sources.append(f"before\n```{language}\n{_CODE[0]}```\nafter with **bold**")
    chooser = random.Random(3434)  # fixed: the same texts every run
    for _ in range(600):
        sources.append("".join(chooser.choices(_PIECES, k=chooser.randint(1, 14))))
    return sources


def _digest(source: str) -> str:
    outputs = [render_markdown(source), prose_of(source), plain_text(source)]
    return hashlib.sha256(json.dumps(outputs).encode()).hexdigest()[:16]


def test_every_input_renders_as_before_the_speed_ups() -> None:
    expected = DIGESTS.read_text().split()
    sources = _inputs()
    pairs = zip(sources, expected, strict=True)
    changed = [source for source, digest in pairs if _digest(source) != digest]
    assert not changed, f"{len(changed)} inputs render differently, e.g. {changed[0]!r}"
