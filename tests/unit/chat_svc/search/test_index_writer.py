"""The real engine, in memory: applying is idempotent by message id and version."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chat_svc.models.messages import MessageRecord
from chat_svc.search.index_schema import open_index
from chat_svc.search.index_writer import DeletedRoom, IndexWriter
from chat_svc.search.query_syntax import parse_query
from chat_svc.search.search_index import Criteria, SearchIndex

POSTED = datetime(2026, 12, 7, tzinfo=UTC)


def message(
    body: str, event_id: int | None = None, deleted: bool = False, message_id: int = 7
) -> MessageRecord:
    return MessageRecord(
        room="general",
        message_id=message_id,
        author_id="u1",
        author_name="Ann",
        body=body,
        posted_at=POSTED,
        event_id=event_id,
        edited_at=POSTED if event_id else None,
        deleted=deleted,
    )


async def found(search: SearchIndex, text: str, room: str = "general") -> int:
    page = await search.search(Criteria(parse_query(text + " "), [room], "u1"))
    return page.total


def in_room(room: str, body: str, message_id: int) -> MessageRecord:
    return message(body, message_id=message_id).model_copy(update={"room": room})


async def test_a_replayed_older_version_changes_nothing() -> None:
    index, created = open_index(None)
    writer = IndexWriter.try_open(index)
    assert created and writer is not None
    search = SearchIndex(index)
    assert await writer.apply([message("first draft")]) == 1
    assert await writer.apply([message("second draft", event_id=9)]) == 1
    # The post and the edit again (a replay, a redelivery): the index keeps version 9.
    assert await writer.apply([message("first draft"), message("second draft", 9)]) == 0
    assert await found(search, "first") == 0 and await found(search, "second") == 1
    assert await writer.apply([message("", event_id=10, deleted=True)]) == 1
    assert await writer.apply([message("second draft", event_id=9)]) == 0
    assert await found(search, "second") == 0 and await found(search, "draft") == 0


async def test_one_writer_per_index_directory_until_it_closes(tmp_path: Path) -> None:
    index, created = open_index(tmp_path)
    writer = IndexWriter.try_open(index)
    assert created and writer is not None
    other_replica, _ = open_index(tmp_path)
    assert IndexWriter.try_open(other_replica) is None
    await writer.close()  # a replica stopping: another takes over the writing
    assert IndexWriter.try_open(other_replica) is not None


async def test_a_rebuild_cut_short_leaves_the_index_as_it_was() -> None:
    index, _ = open_index(None)
    writer = IndexWriter.try_open(index)
    assert writer is not None
    search = SearchIndex(index)
    await writer.apply([message("kept before the rebuild", message_id=5)])

    async def failing_store() -> AsyncIterator[MessageRecord]:
        yield message("half of a rebuild", message_id=9)
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        await writer.rebuild(failing_store())
    await writer.apply([message("posted after")])  # the next group commit
    assert await found(search, "kept") == 1 and await found(search, "posted") == 1
    assert await found(search, "half") == 0


async def test_a_deleted_room_leaves_nothing_and_a_new_room_of_its_slug_starts_empty() -> None:
    index, _ = open_index(None)
    writer = IndexWriter.try_open(index)
    assert writer is not None
    search = SearchIndex(index)
    await writer.apply([in_room("scratch", "indexed earlier", 1), message("elsewhere")])
    # In one group: a post just before the deletion goes with the room; a post after it
    # (a new room that took the slug) stays.
    group: list[MessageRecord | DeletedRoom] = [
        in_room("scratch", "before", 2),
        DeletedRoom("scratch"),
    ]
    assert await writer.apply([*group, in_room("scratch", "fresh start", 3)]) == 2
    assert await found(search, "indexed", "scratch") == 0
    assert await found(search, "before", "scratch") == 0
    assert await found(search, "fresh", "scratch") == 1
    assert await found(search, "elsewhere") == 1
