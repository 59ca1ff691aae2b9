"""Asking the index: a parsed query (query_syntax.py) becomes a tantivy query built term by
term, always limited to the rooms the caller passes (the viewer's memberships, read at query
time by the view: the index is never trusted to know who may read what; room_filter.py
picks the cheaper way to say which)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import tantivy

from chat_svc.search.index_reload import FreshReader
from chat_svc.search.index_schema import SCHEMA
from chat_svc.search.query_syntax import SearchQuery
from chat_svc.search.room_filter import RoomClause, RoomFilter
from chat_svc.search.text_analysis import FOLDED, STEMMED, terms

MUST, SHOULD = tantivy.Occur.Must, tantivy.Occur.Should
# A prefix of one character would expand to a large share of the term dictionary.
SHORTEST_PREFIX = 2


@dataclass(frozen=True)
class Found:
    room: str
    message_id: int
    author_name: str
    posted_at: datetime
    body: str


@dataclass(frozen=True)
class FoundPage:
    results: list[Found]
    total: int


@dataclass(frozen=True)
class Criteria:
    query: SearchQuery
    rooms: list[str]  # the viewer's rooms, narrowed by in:
    viewer_id: str
    best_match: bool = False
    offset: int = 0
    limit: int = 20


class SearchIndex:
    def __init__(self, index: tantivy.Index, path: Path | None = None) -> None:
        self.index = index
        self.path = path  # None: in memory
        self._fresh = FreshReader(index, path)
        self._rooms = RoomFilter()

    async def search(self, criteria: Criteria) -> FoundPage:
        if not criteria.rooms:
            return FoundPage([], 0)
        return await asyncio.to_thread(self.search_blocking, criteria)

    def search_blocking(self, criteria: Criteria) -> FoundPage:
        """The search on this thread (``search`` runs it on a worker thread)."""
        self._fresh.reload_if_committed()
        searcher = self.index.searcher()
        return self.search_with(
            searcher, build_query(criteria, self._rooms.clause(searcher, criteria.rooms)), criteria
        )

    @staticmethod
    def search_with(
        searcher: tantivy.Searcher, query: tantivy.Query, criteria: Criteria
    ) -> FoundPage:
        """One page of ``query``'s matches, in the order and at the offset ``criteria`` ask."""
        if criteria.best_match and criteria.query.has_text:
            found = searcher.search(query, criteria.limit, offset=criteria.offset)
        else:
            found = searcher.search(
                query, criteria.limit, offset=criteria.offset, order_by_field="posted_at"
            )
        results = [_found(searcher.doc(address)) for _, address in found.hits]
        # ``count`` is missing from tantivy's stubs, not from its results.
        total: int = getattr(found, "count", 0) or 0
        return FoundPage(results, total)


def _found(document: tantivy.Document) -> Found:
    return Found(
        room=str(document["room"][0]),
        message_id=int(document["message_id"][0]),
        author_name=str(document["author_name"][0]),
        posted_at=datetime.fromtimestamp(int(document["posted_at"][0]) / 1000, UTC),
        body=str(document["body"][0]),
    )


def has_terms(query: SearchQuery) -> bool:
    """Whether the typed text holds anything the index knows: emoji, punctuation and
    overlong tokens alone are not indexed (searching them would match every message)."""
    texts = [*query.words, *query.phrases, *([query.prefix] if query.prefix else [])]
    return any(terms(text, FOLDED) for text in texts)


def build_query(criteria: Criteria, rooms: RoomClause | None) -> tantivy.Query:
    """Every clause must match, and ``rooms`` (room_filter.py) limits to the viewer's rooms:
    None only when the index holds no other room."""
    query = criteria.query
    clauses = [tantivy.Query.term_query(SCHEMA, "live", 1), *text_clauses(query)]
    if query.authors:
        clauses.append(_any([_author(name) for name in query.authors]))
    if query.after is not None or query.before is not None:
        clauses.append(_posted_between(query.after, query.before))
    if query.has_link:
        clauses.append(tantivy.Query.term_query(SCHEMA, "has_link", 1))
    if query.mentions_me:
        clauses.append(tantivy.Query.term_query(SCHEMA, "mentions", criteria.viewer_id))
    return tantivy.Query.boolean_query(
        [(MUST, clause) for clause in clauses] + ([rooms] if rooms else [])
    )


def text_clauses(query: SearchQuery) -> list[tantivy.Query]:
    """What the typed words, phrases and the word being typed ask for."""
    clauses = [clause for text in [*query.words, *query.phrases] for clause in _text_clauses(text)]
    if query.prefix is not None:
        clauses.extend(_prefix_clauses(query.prefix))
    return clauses


def _text_clauses(text: str) -> list[tantivy.Query]:
    """A word or a quoted phrase; one that stands for several terms ("e-mail", 東京) is a
    phrase of them. Text with no word characters (emoji, punctuation) adds nothing."""
    found = terms(text, STEMMED)
    if not found:
        return []
    if len(found) == 1:
        return [tantivy.Query.term_query(SCHEMA, "body", found[0])]
    return [tantivy.Query.phrase_query(SCHEMA, "body", list[str | tuple[int, str]](found))]


def _prefix_clauses(word: str) -> list[tantivy.Query]:
    """The word being typed: the word itself (stemmed) or any word that starts with it."""
    whole = terms(word, FOLDED)
    if len(whole) != 1:
        return _text_clauses(word)
    exact = _text_clauses(word)
    if len(whole[0]) < SHORTEST_PREFIX or not whole[0].replace("_", "").isalnum():
        return exact
    starts = tantivy.Query.regex_query(SCHEMA, "words", whole[0] + ".*")
    return [_any([*exact, starts])]


def _author(name: str) -> tantivy.Query:
    """``from:ann`` or ``from:"Ann Lee"``: each word of the name starts a word of theirs."""
    parts = terms(name, FOLDED)
    if not parts:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query(
        [(MUST, tantivy.Query.regex_query(SCHEMA, "author_name", part + ".*")) for part in parts]
    )


def _posted_between(after: date | None, before: date | None) -> tantivy.Query:
    """``after:`` the day (from the next midnight, UTC), ``before:`` it (until its midnight)."""

    def millis(day: date) -> int:
        return int(datetime.combine(day, time(), UTC).timestamp() * 1000)

    lower = millis(after + timedelta(days=1)) if after else None
    upper = millis(before) if before else None
    return tantivy.Query.range_query(
        SCHEMA,
        "posted_at",
        tantivy.FieldType.Integer,
        lower,
        upper,
        include_lower=True,
        include_upper=upper is None,
    )


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(SHOULD, query) for query in queries])
