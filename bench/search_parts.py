"""Issue 32, follow-up: where the engine's time goes in a newest-first search, in process.

On the corpus of bench/search_corpus.py (built once into ``--index``, reused after), each
kind of query of bench/search.py (and a very common word) is run as the page runs it today
and as variants that leave one part out: the room filter, the ordering by ``posted_at``,
the exact count. "sliced" is newest first with early termination: the query limited to
``posted_at`` within the last 7, then 30, then 365 days, then everything, stopping at the
first slice that fills the page (its results are checked equal to today's). Run alone:
``python -m bench.search_parts [--messages N] [--index PATH] [--runs 3]``; prints JSON lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from bench.search import queries
from bench.search_corpus import ROOMS, Corpus, build_tantivy, room_slug, word
from bench.stats import percentile
from chat_svc.search.index_schema import COMPLETE_MARK, SCHEMA, open_index
from chat_svc.search.query_syntax import parse_query
from chat_svc.search.room_filter import room_clause, rooms_named
from chat_svc.search.search_index import MUST, Criteria, build_query, text_clauses
from chat_svc.search.text_analysis import STEMMED, terms

DAY_MS = 86_400_000
SLICES_DAYS = (7, 30, 365)
PAGE = 20
Hits = tuple[list[tantivy.DocAddress], int]


def _since(query: tantivy.Query, lower_ms: int) -> tantivy.Query:
    newer = tantivy.Query.range_query(
        SCHEMA, "posted_at", tantivy.FieldType.Integer, lower_ms, None, include_lower=True
    )
    return tantivy.Query.boolean_query([(MUST, query), (MUST, newer)])


def sliced(searcher: tantivy.Searcher, query: tantivy.Query, now_ms: int) -> Hits:
    """Newest first, stopping at the first slice with a full page (count: the slice's)."""
    for days in SLICES_DAYS:
        found = searcher.search(
            _since(query, now_ms - days * DAY_MS), PAGE, order_by_field="posted_at"
        )
        if _count(found) >= PAGE:
            return [address for _, address in found.hits], _count(found)
    return _ordered(searcher, query)


def today(searcher: tantivy.Searcher, criteria: Criteria) -> tantivy.Query:
    """The query the page asks: the room clause from the cheaper side (room_filter.py)."""
    return build_query(criteria, room_clause(searcher, criteria.rooms)[0])


def named_rooms(criteria: Criteria) -> tantivy.Query:
    """The query as it was: a term set of the viewer's rooms, however many."""
    return build_query(criteria, rooms_named(criteria.rooms))


def sliced_when_common(searcher: tantivy.Searcher, criteria: Criteria, now_ms: int) -> Hits:
    """Sliced only when the first slice likely fills a page: the rarest word's documents
    (from the term dictionary, no search) times the viewer's rooms' share of all documents,
    spread over a year; otherwise one search of everything, as today."""
    query = criteria.query
    words = [t for text in [*query.words, *query.phrases] for t in terms(text, STEMMED)]
    rarest = min((searcher.doc_freq("body", t) for t in words), default=0)
    in_rooms = sum(searcher.doc_freq("room", room) for room in criteria.rooms)
    expected = rarest * in_rooms / max(searcher.num_docs, 1) * SLICES_DAYS[0] / 365
    if expected >= 2 * PAGE:
        return sliced(searcher, today(searcher, criteria), now_ms)
    return _ordered(searcher, today(searcher, criteria))


def _count(found: tantivy.SearchResult) -> int:
    total: int = getattr(found, "count", 0) or 0  # missing from tantivy's stubs only
    return total


def _ordered(searcher: tantivy.Searcher, query: tantivy.Query) -> Hits:
    found = searcher.search(query, PAGE, order_by_field="posted_at")
    return [address for _, address in found.hits], _count(found)


def _count_only(searcher: tantivy.Searcher, query: tantivy.Query) -> Hits:
    found = searcher.search(tantivy.Query.const_score_query(query, 1.0), 1)
    return [], _count(found)


def _variants(now_ms: int) -> dict[str, Callable[[tantivy.Searcher, Criteria], Hits]]:
    return {
        "today (ordered, counted)": lambda s, c: _ordered(s, today(s, c)),
        "term set of the viewer's rooms (before)": lambda s, c: _ordered(s, named_rooms(c)),
        "count only (unordered)": lambda s, c: _count_only(s, today(s, c)),
        "sliced 7/30/365/all": lambda s, c: sliced(s, today(s, c), now_ms),
        "sliced when common": lambda s, c: sliced_when_common(s, c, now_ms),
        "sliced + exact count": lambda s, c: (
            sliced(s, today(s, c), now_ms)[0],
            _count_only(s, today(s, c))[1],
        ),
        "no room filter": lambda s, c: _ordered(s, _text_only(c)),
    }


def _text_only(criteria: Criteria) -> tantivy.Query:
    """The query without the room filter (and without ``live``): what the rest costs."""
    clauses = text_clauses(criteria.query)
    return tantivy.Query.boolean_query([(MUST, clause) for clause in clauses])


async def _index(messages: int, path: Path) -> None:
    if not (path / COMPLETE_MARK).exists():
        print(json.dumps(await build_tantivy(Corpus.generate(messages), path)), flush=True)


def run(messages: int, path: Path, samples: int, runs: int, viewer_rooms: int) -> None:
    asyncio.run(_index(messages, path))
    index, _ = open_index(path)
    index.reload()
    searcher = index.searcher()
    asked = queries(Corpus.generate(min(messages, 20_000)), samples)
    rng = random.Random(32)  # noqa: S311 - repeatable word choice, not a secret
    asked["common_word"] = [f"{word(rng.randrange(0, 20))} " for _ in range(samples)]
    rooms = [room_slug(n) for n in range(viewer_rooms)]
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    for kind, texts in asked.items():
        criteria = []
        for text in texts:
            query = parse_query(text)
            criteria.append(Criteria(query, sorted(query.rooms) or rooms, "user-searcher"))
        for c in criteria:  # the early-terminated page and the room term set's are today's
            page = _ordered(searcher, today(searcher, c))
            assert sliced(searcher, today(searcher, c), now_ms)[0] == page[0]
            assert _ordered(searcher, named_rooms(c)) == page
        for name, variant in _variants(now_ms).items():
            p50s, p95s = [], []
            for _ in range(runs):
                times = []
                for c in criteria:
                    started = time.perf_counter()
                    variant(searcher, c)
                    times.append((time.perf_counter() - started) * 1000)
                p50s.append(round(percentile(times, 0.5), 2))
                p95s.append(round(percentile(times, 0.95), 2))
            result: dict[str, Any] = {
                "kind": kind,
                "variant": name,
                "viewer_rooms": viewer_rooms,
                "p50_ms": p50s,
                "p95_ms": p95s,
            }
            print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--index", type=Path, default=Path("/tmp/bench-search-parts"))  # noqa: S108
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--viewer-rooms", type=int, default=ROOMS, help="a member of the first N")
    args = parser.parse_args()
    run(args.messages, args.index, args.samples, args.runs, args.viewer_rooms)


if __name__ == "__main__":
    main()
