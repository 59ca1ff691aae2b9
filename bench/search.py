"""Issue 32: search on 1,000,000 generated messages (bench/search_corpus.py).

The corpus goes straight into the index of the stack's chat process (the rebuild's own
work, timed), then: p50/p95 of ``GET /search`` (request to rendered page) for one word, two
words, a phrase and a filtered query, by a member of all 200 rooms (the widest room filter);
the index lag at 100 msg/s (published to JetStream, polled in the index from this process);
the index's size per message and the chat process's memory; and the same queries against
tantivy and SQLite FTS5 in this process, side by side.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import tantivy
from redis.asyncio import Redis

import nats
from bench.proc import rss_bytes
from bench.search_corpus import (
    ROOMS,
    Corpus,
    build_fts5,
    build_tantivy,
    person_name,
    room_slug,
    word,
)
from bench.stack import Stack
from bench.stats import percentile
from chat_svc.events import MessagePosted
from chat_svc.reads.person_rooms import person_key
from chat_svc.search.index_schema import SCHEMA, open_index
from chat_svc.search.query_syntax import parse_query
from chat_svc.search.search_index import Criteria, SearchIndex
from service_kit.messaging.nats_credentials import dev_admin_options

SIZES = {"quick": 2_000, "full": 1_000_000}
SAMPLES = {"quick": 10, "full": 100}
LAG_SECONDS = {"quick": 1.0, "full": 10.0}
LAG_RATE = 100.0
SEARCHER = "searcher"  # bench/fake_auth.py: token bench-searcher is user-searcher


def queries(corpus: Corpus, count: int) -> dict[str, list[str]]:
    """Each kind with words of middling frequency (ranks 50-500: hundreds to thousands of
    matches per million messages), a phrase taken from a real message."""
    rng = random.Random(32)  # noqa: S311 - repeatable word choice, not a secret
    mid = [word(rng.randrange(50, 500)) for _ in range(count)]
    other = [word(rng.randrange(50, 500)) for _ in range(count)]
    phrases: list[str] = []
    while len(phrases) < count:
        words = rng.choice(corpus.bodies).split()
        if len(words) >= 3:
            at = rng.randrange(len(words) - 1)
            phrases.append(f'"{words[at]} {words[at + 1]}"')
    return {
        "one_word": [f"{w} " for w in mid],
        "two_words": [f"{a} {b} " for a, b in zip(mid, other, strict=True)],
        "phrase": phrases,
        "filtered": [
            f'{w} in:{room_slug(rng.randrange(ROOMS))} from:"{person_name(rng.randrange(500))}"'
            for w in mid
        ],
    }


async def http_latencies(url: str, asked: dict[str, list[str]]) -> dict[str, Any]:
    cookies = {"chat_session": f"bench-{SEARCHER}"}
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=30) as client:
        await client.get("/search", params={"q": "warm"})
        for kind, texts in asked.items():
            times, found = [], []
            for text in texts:
                started = time.perf_counter()
                response = await client.get("/search", params={"q": text})
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text[:300]
                found.append(response.text.count('class="search-result-link"'))
            results[kind] = _summary(times) | {
                "results_on_page_median": sorted(found)[len(found) // 2]
            }
    return results


def _summary(times_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times_ms, 0.5), 2),
        "p95_ms": round(percentile(times_ms, 0.95), 2),
        "samples": len(times_ms),
    }


def _in_process(
    search: SearchIndex, database: sqlite3.Connection, asked: dict[str, list[str]]
) -> dict[str, Any]:
    rooms = [room_slug(n) for n in range(ROOMS)]
    compared: dict[str, Any] = {}
    for kind, texts in asked.items():
        engine_ms, fts5_ms = [], []
        for text in texts:
            query = parse_query(text)
            allowed = sorted(query.rooms) or rooms
            started = time.perf_counter()
            search.search_blocking(Criteria(query, allowed, "user-searcher"))
            engine_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _fts5_search(database, query, allowed)
            fts5_ms.append((time.perf_counter() - started) * 1000)
        compared[kind] = {"tantivy": _summary(engine_ms), "fts5": _summary(fts5_ms)}
    return compared


def _fts5_search(database: sqlite3.Connection, query: Any, rooms: list[str]) -> list[Any]:
    """The same search in FTS5: match, the room filter and newest first (no fast fields:
    every match is read to filter and sort it)."""
    terms = [f'"{w}"' for w in query.words] + [f'"{p}"' for p in query.phrases]
    if query.prefix:
        terms.append(f'"{query.prefix}"*')
    marks = ",".join("?" * len(rooms))
    columns = "rowid, room, author, posted_at, snippet(messages, 0, '<mark>', '</mark>', '…', 12)"
    where = f"messages MATCH ? AND room IN ({marks})"
    sql = f"SELECT {columns} FROM messages WHERE {where}"  # noqa: S608 - placeholders only
    params: list[Any] = [" ".join(terms), *rooms]
    if query.authors:
        sql += " AND author = ?"
        params.append(query.authors[0])
    return database.execute(sql + " ORDER BY posted_at DESC LIMIT 20", params).fetchall()


async def _index_lag(nats_url: str, index_path: Path, seconds: float) -> dict[str, Any]:
    """Publish at ``LAG_RATE`` into JetStream (as the POST does), poll the index every 10 ms
    from here, and time each message from its publish to the first search that finds it."""
    client = await nats.connect(nats_url, **dev_admin_options())
    js = client.jetstream()
    index, _ = open_index(index_path)
    count = int(seconds * LAG_RATE)
    published: dict[str, float] = {}
    seen: dict[str, float] = {}

    def poll() -> None:
        """In a thread of its own: the searches must not hold up the publishing."""
        deadline = time.perf_counter() + seconds + 30
        while len(seen) < count and time.perf_counter() < deadline:
            time.sleep(0.01)
            pending = [t for t in list(published) if t not in seen]
            if not pending:
                continue
            index.reload()
            searcher = index.searcher()
            query = tantivy.Query.term_set_query(SCHEMA, "words", pending)
            hits = searcher.search(query, len(pending))
            now = time.perf_counter()
            for _, address in hits.hits:
                token = str(searcher.doc(address)["body"][0]).split()[0]
                seen.setdefault(token, now)

    poller = asyncio.create_task(asyncio.to_thread(poll))
    started = time.perf_counter()
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i / LAG_RATE - time.perf_counter()))
        token = f"lagtoken{i}"
        event = MessagePosted(
            room="general",
            message_id=10_000_000 + i,
            author_id="user-lag",
            author_name="Lag",
            body=f"{token} measured",
            posted_at=datetime.now(UTC),
        )
        published[token] = time.perf_counter()
        await js.publish(
            MessagePosted.subject_for("general"),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.id)},
        )
    await poller
    await client.close()
    lags = [(seen[t] - published[t]) * 1000 for t in published if t in seen]
    return {
        "rate": LAG_RATE,
        "messages": count,
        "found": len(lags),
        "p50_ms": round(percentile(lags, 0.5), 1),
        "p99_ms": round(percentile(lags, 0.99), 1),
        "max_ms": round(max(lags), 1) if lags else None,
    }


async def searcher_in_every_room(redis_url: str) -> None:
    """The searcher's copy of their rooms in Valkey (reads/person_rooms.py): all 200."""
    redis = Redis.from_url(redis_url)
    places: dict[Any, Any] = {
        f"m:{room_slug(n)}": json.dumps({"title": room_slug(n), "kind": "open"})
        for n in range(ROOMS)
    }
    await redis.hset(person_key(f"user-{SEARCHER}"), mapping={**places, "~ready": "1"})
    await redis.aclose()


async def measure(stack: Stack, mode_name: str, work: Path) -> dict[str, Any]:
    started = time.monotonic()
    corpus = Corpus.generate(SIZES[mode_name])
    generated = time.monotonic() - started
    index_path = stack.search_index_dir
    built = await build_tantivy(corpus, index_path)
    database, fts5 = build_fts5(corpus, work / "fts5.sqlite")
    await searcher_in_every_room(stack.redis_url)
    url = stack.start_chat("chat")
    asked = queries(corpus, SAMPLES[mode_name])
    http = await http_latencies(url, asked)
    lag = await _index_lag(stack.nats_url, index_path, LAG_SECONDS[mode_name])
    memory_mb = round(rss_bytes(stack.pid("chat")) / 1e6, 1)
    index, _ = open_index(index_path)
    compared = _in_process(SearchIndex(index, index_path), database, asked)
    database.close()
    return {
        "messages": len(corpus.bodies),
        "generate_seconds": round(generated, 1),
        "tantivy": built,
        "fts5": fts5,
        "http": http,
        "index_lag": lag,
        "chat_rss_mb": memory_mb,
        "in_process": compared,
    }
