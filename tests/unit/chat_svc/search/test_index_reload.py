"""The real engine on disk, written by one Index (another replica) and read by another: a
search sees every commit at once, even two within one file timestamp tick, and reloads the
reader only when something was committed since."""

import os
from pathlib import Path

from chat_svc.search.index_schema import open_index
from chat_svc.search.index_writer import IndexWriter
from chat_svc.search.search_index import SearchIndex
from tests.unit.chat_svc.search.test_index_writer import found, message


async def test_every_commit_is_seen_and_nothing_else_reloads(tmp_path: Path) -> None:
    writing, _ = open_index(tmp_path)
    writer = IndexWriter.try_open(writing)
    assert writer is not None
    reading, _ = open_index(tmp_path)
    search = SearchIndex(reading, tmp_path)
    assert await writer.apply([message("alpha", message_id=1)]) == 1
    assert await found(search, "alpha") == 1
    # Commits right after one another (one timestamp tick): each is seen by the next search.
    for n, word in enumerate(["bravo", "charlie", "delta"], start=2):
        assert await writer.apply([message(word, message_id=n)]) == 1
        assert await found(search, word) == 1
    assert await writer.apply([message("", message_id=4, event_id=9, deleted=True)]) == 1
    assert await found(search, "delta") == 0

    meta = tmp_path / "meta.json"
    settled = meta.stat().st_mtime_ns - 5_000_000_000  # as if committed 5 s ago
    os.utime(meta, ns=(settled, settled))
    await found(search, "alpha")
    reloads = search._fresh.reloads
    for _ in range(3):
        assert await found(search, "alpha") == 1
    assert search._fresh.reloads == reloads  # nothing committed: the same reader
    assert await writer.apply([message("echo", message_id=5)]) == 1
    assert await found(search, "echo") == 1
    await writer.close()
