"""The search benchmark's corpus: generated messages with a Zipf word distribution (as
natural language has: a few words everywhere, most words rare), in 200 rooms by 500
people over a year, written straight into the index (and, for the comparison, into an
SQLite FTS5 table) instead of through the database."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from chat_svc.models.messages import MessageRecord
from chat_svc.search.index_schema import mark_complete, open_index
from chat_svc.search.index_writer import IndexWriter

ROOMS = 200
PEOPLE = 500
VOCABULARY = 50_000
ZIPF_EXPONENT = 1.1
WORDS_PER_MESSAGE = (3, 25)
START = datetime(2026, 1, 1, tzinfo=UTC)
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]


def word(rank: int) -> str:
    """A made-up word per rank (base-90 syllables): stable, pronounceable, unique."""
    parts = []
    rank += 1
    while rank:
        rank, digit = divmod(rank, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts) + "n"


def room_slug(number: int) -> str:
    return f"room-{number:03d}"


def person_name(number: int) -> str:
    return f"Person {number}"


@dataclass(frozen=True)
class Corpus:
    rooms: np.ndarray
    authors: np.ndarray
    seconds: np.ndarray
    bodies: list[str]

    @classmethod
    def generate(cls, count: int, seed: int = 32) -> Corpus:
        rng = np.random.default_rng(seed)
        weights = 1.0 / np.arange(1, VOCABULARY + 1) ** ZIPF_EXPONENT
        lengths = rng.integers(*WORDS_PER_MESSAGE, size=count, endpoint=True)
        ranks = rng.choice(VOCABULARY, size=int(lengths.sum()), p=weights / weights.sum())
        words = [word(int(rank)) for rank in range(VOCABULARY)]
        bodies, at = [], 0
        for length in lengths:
            bodies.append(" ".join(words[r] for r in ranks[at : at + length]))
            at += length
        return cls(
            rooms=rng.integers(0, ROOMS, size=count),
            authors=rng.integers(0, PEOPLE, size=count),
            seconds=np.sort(rng.integers(0, 365 * 86400, size=count)),
            bodies=bodies,
        )

    def records(self) -> Iterator[MessageRecord]:
        for i, body in enumerate(self.bodies):
            author = int(self.authors[i])
            yield MessageRecord(
                room=room_slug(int(self.rooms[i])),
                message_id=i + 1,  # unique across rooms too: simpler, and the key is per room
                author_id=f"user-{author}",
                author_name=person_name(author),
                body=body,
                posted_at=START + timedelta(seconds=int(self.seconds[i])),
            )


async def _aiter(records: Iterator[MessageRecord]) -> AsyncIterator[MessageRecord]:
    for record in records:
        yield record


async def build_tantivy(corpus: Corpus, path: Path) -> dict[str, float]:
    """The rebuild's own work (what ``just search-rebuild`` does after reading the
    database): every message into a fresh index, one commit."""
    index, _ = open_index(path)
    writer = IndexWriter.try_open(index)
    assert writer is not None
    started = time.monotonic()
    count = await writer.rebuild(_aiter(corpus.records()))
    seconds = time.monotonic() - started
    await writer.close()
    mark_complete(path)
    size = _bytes_in(path)
    return {
        "messages": count,
        "rebuild_seconds": round(seconds, 1),
        "bytes_per_message": round(size / count, 1),
        "index_mb": round(size / 1e6, 1),
    }


def _bytes_in(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


FTS5_SCHEMA = """
CREATE VIRTUAL TABLE messages USING fts5(
  body, room UNINDEXED, author UNINDEXED, posted_at UNINDEXED,
  tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
)"""


def build_fts5(corpus: Corpus, path: Path) -> tuple[sqlite3.Connection, dict[str, float]]:
    """The same messages in SQLite FTS5 (Campfire's engine): stemmed, accent-folded,
    prefix indexes for the word being typed."""
    database = sqlite3.connect(path)
    database.execute(FTS5_SCHEMA)
    started = time.monotonic()
    rows = (
        (
            body,
            room_slug(int(corpus.rooms[i])),
            person_name(int(corpus.authors[i])),
            int(corpus.seconds[i]),
        )
        for i, body in enumerate(corpus.bodies)
    )
    database.executemany("INSERT INTO messages VALUES (?, ?, ?, ?)", rows)
    database.commit()
    seconds = time.monotonic() - started
    size = path.stat().st_size
    return database, {
        "build_seconds": round(seconds, 1),
        "bytes_per_message": round(size / len(corpus.bodies), 1),
        "index_mb": round(size / 1e6, 1),
    }
