"""What a person types in the search box, read into words, phrases and filters.

Never handed to an engine's query parser: every part becomes a query built term by term
(search_index.py), so an engine's syntax, a regex or stray quotes are only text. Anything
not understood is searched as words or reported on the page, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# Longer input is cut (a 10,000-character paste still gets a page).
MAX_QUERY_CHARS = 300
MAX_PARTS = 16

_PART = re.compile(
    r'(?P<op>\w+):(?:"(?P<opq>[^"]*)"|(?P<opv>\S*))|"(?P<phrase>[^"]*)"|(?P<word>\S+)'
)
FILTERS = ("in", "from", "before", "after", "has", "is")


@dataclass
class SearchQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    # The last word is still being typed: it also matches as a prefix.
    prefix: str | None = None
    rooms: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    before: date | None = None
    after: date | None = None
    has_link: bool = False
    has_file: bool = False
    mentions_me: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases or self.prefix)

    @property
    def is_empty(self) -> bool:
        filters = self.rooms or self.authors or self.before or self.after
        return not (self.has_text or filters or self.has_link or self.has_file or self.mentions_me)


def parse_query(text: str) -> SearchQuery:
    query = SearchQuery()
    if len(text) > MAX_QUERY_CHARS:
        query.problems.append(f"Only the first {MAX_QUERY_CHARS} characters were searched.")
        text = text[:MAX_QUERY_CHARS]
    parts = list(_PART.finditer(text))
    if len(parts) > MAX_PARTS:
        query.problems.append(f"Only the first {MAX_PARTS} words and filters were searched.")
        parts = parts[:MAX_PARTS]
    for part in parts:
        if part["op"] is not None and part["op"].lower() in FILTERS:
            value = part["opq"] if part["opq"] is not None else part["opv"] or ""
            _add_filter(query, part["op"].lower(), value.strip())
        elif part["phrase"] is not None:
            if part["phrase"].strip():
                query.phrases.append(part["phrase"].strip())
        else:
            query.words.append(part[0])
    # "meeti" while typing: the last word (no space after it yet) matches as a prefix too.
    if query.words and parts and parts[-1]["word"] is not None and not text.endswith(" "):
        query.prefix = query.words.pop()
    return query


def _add_filter(query: SearchQuery, name: str, value: str) -> None:
    if not value:
        query.problems.append(f"“{name}:” needs something after it.")
    elif name == "in":
        query.rooms.append(value.lstrip("#"))
    elif name == "from":
        query.authors.append(value.lstrip("@"))
    elif name in ("before", "after"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            query.problems.append(f"“{name}:{value}” is not a date like {name}:2026-12-31.")
            return
        setattr(query, name, day)
    elif (name, value.lower()) == ("has", "link"):
        query.has_link = True
    elif (name, value.lower()) == ("has", "file"):
        query.has_file = True
    elif (name, value.lower()) == ("is", "mention"):
        query.mentions_me = True
    else:
        query.problems.append(
            f"“{name}:{value}” is not a filter: try has:link, has:file or is:mention."
        )
