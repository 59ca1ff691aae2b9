"""A result's snippet: the text around the first match with the matched words marked.

The body is escaped piece by piece and only our ``<mark>`` is markup, so a match inside
``<b>`` typed in a message stays text. Highlighting is approximate by design (a word is
marked when it starts with a query term's stem or the typed prefix, after folding); which
messages match is the index's exact answer.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from chat_svc.search.query_syntax import SearchQuery
from chat_svc.search.text_analysis import STEMMED, fold, terms

# Words as the index cuts them (text_analysis.WORD_PATTERN): each CJK character alone.
_CJK_CHARS = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af"
WORD = re.compile(f"[{_CJK_CHARS}]|[^\\W{_CJK_CHARS}]+")
SNIPPET_CHARS = 240
LEAD_CHARS = 60


def highlighted(body: str, query: SearchQuery) -> Markup:
    stems = {term for text in [*query.words, *query.phrases] for term in terms(text, STEMMED)}
    prefix = fold(query.prefix) if query.prefix else None
    marks = [
        (match.start(), match.end())
        for match in _words(body)
        if _matches(fold(match.group()), stems, prefix)
    ]
    start, end = _window(body, marks)
    pieces: list[str] = ["…" if start > 0 else ""]
    at = start
    for mark_start, mark_end in marks:
        if mark_start < start or mark_end > end:
            continue
        pieces.append(escape(body[at:mark_start]))
        pieces.append(Markup("<mark>%s</mark>") % body[mark_start:mark_end])
        at = mark_end
    pieces.append(escape(body[at:end]))
    pieces.append("…" if end < len(body) else "")
    return Markup("").join(pieces)


def _words(body: str) -> list[re.Match[str]]:
    return list(WORD.finditer(body))


def _matches(word: str, stems: set[str], prefix: str | None) -> bool:
    if prefix and word.startswith(prefix):
        return True
    return any(word.startswith(stem) for stem in stems)


def _window(body: str, marks: list[tuple[int, int]]) -> tuple[int, int]:
    if len(body) <= SNIPPET_CHARS:
        return 0, len(body)
    first = marks[0][0] if marks else 0
    start = max(0, first - LEAD_CHARS)
    return start, min(len(body), start + SNIPPET_CHARS)
