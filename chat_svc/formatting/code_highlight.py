"""Fenced code blocks highlighted on the server by Pygments, as spans with Pygments' short
token classes (``k``, ``s2``, ``c1``…): app.css colours them from design tokens, so the
same stored HTML reads in light and dark.

Only a block that names its language is highlighted: guessing one (``guess_lexer``) runs
every lexer over the text, far beyond the render budget (docs/performance.md)."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight
from pygments.formatters.html import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from chat_svc.formatting.one_pass_lexing import speed_up

# nowrap: markdown-it wraps the spans in <pre><code class="language-…">.
_FORMATTER = HtmlFormatter(nowrap=True)

# Every class Pygments may put on a span: the sanitiser keeps these and no other.
TOKEN_CLASSES: frozenset[str] = frozenset(name for name in STANDARD_TYPES.values() if name)


@lru_cache(maxsize=128)
def _lexer_for(language: str) -> Lexer | None:
    try:
        # stripnl off: the block keeps its leading and trailing blank lines as written.
        return speed_up(get_lexer_by_name(language, stripnl=False, ensurenl=False))
    except ClassNotFound:
        return None


def highlight_code(code: str, language: str, _attributes: str) -> str:
    """markdown-it's ``highlight`` hook: the code's HTML, or "" to let markdown-it escape
    it as it is (no language, or one Pygments does not know)."""
    if not language:
        return ""
    language = language.strip().lower()
    if len(code) > CACHED_CODE_CHARS:
        return _highlighted(code, language)
    return _cached_highlighted(code, language)


def _highlighted(code: str, language: str) -> str:
    lexer = _lexer_for(language)
    return "" if lexer is None else highlight(code, lexer, _FORMATTER)


# Lexing is most of a message's render time (docs/performance.md), and an edit that leaves
# a block as it was, or a page rendering a message stored before formatting, lexes it
# again. Blocks up to a few screens are kept: 128 of them hold a few MB at most.
CACHED_CODE_CHARS = 8_000
_cached_highlighted = lru_cache(maxsize=128)(_highlighted)
