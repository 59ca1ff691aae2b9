"""Persistence through beanie on the real database (FerretDB here, MongoDB with MONGODB_URL)."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from beanie import Document
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from devstack.processes import ProcessGroup, free_port
from devstack.servers import mongodb_url
from service_kit.storage.document_store import open_document_store
from service_kit.storage.store_compat import Claim, claim_once
from tests.support.servers import start_ferretdb


class Note(Document):
    key: str
    text: str
    written_at: datetime

    class Settings:
        name = "notes"
        indexes = [IndexModel("key", unique=True)]


async def test_documents_round_trip_and_unique_indexes_hold(
    mongodb_url: str, mongodb_database: str
) -> None:
    store = open_document_store(mongodb_url, mongodb_database, [Note], "tests_svc")
    await store.wait_ready(10)
    assert store.database.name == f"{mongodb_database}_tests"
    await store.ping()
    # Written in another zone, read back as the same instant, aware, in UTC.
    written = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=timezone(timedelta(hours=-5)))
    await Note(key="a", text="first ✓", written_at=written).insert()
    with pytest.raises(DuplicateKeyError):
        await Note(key="a", text="again", written_at=written).insert()
    found = await Note.find_one(Note.key == "a")
    assert found is not None and found.text == "first ✓"
    assert found.written_at == written and found.written_at.utcoffset() == timedelta(0)
    await store.close()


async def test_a_claim_is_won_exactly_once_under_concurrency(
    mongodb_url: str, mongodb_database: str
) -> None:
    store = open_document_store(mongodb_url, mongodb_database, [Claim], "tests_svc")
    await store.wait_ready(10)
    for key in ("token-1", "token-2"):
        winners = await asyncio.gather(*(claim_once(key) for _ in range(30)))
        assert winners.count(True) == 1
    assert await Claim.find_one({"_id": "token-1"}) is not None
    await store.close()


async def test_a_store_starts_without_its_database_and_becomes_ready_when_it_answers(
    server_group: ProcessGroup,
    tmp_path: Path,
    mongodb_database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens here yet
    store = open_document_store(
        mongodb_url(port), mongodb_database, [Note], "tests_svc", retry_seconds=0.2
    )
    with pytest.raises(ConnectionError, match="not set up yet"):
        await store.ping()
    await asyncio.sleep(3)
    assert not store.ready.is_set()
    tries = [r for r in caplog.records if "not ready (attempt" in r.getMessage()]
    assert 1 <= len(tries) <= 3  # one line per try (2 s server selection, then 0.2 s pause)
    late = start_ferretdb(server_group, tmp_path, port)
    try:
        await store.wait_ready(10)
        await store.ping()
        await Note(key="late", text="stored", written_at=datetime.now(UTC)).insert()
    finally:
        await store.close()
        late.stop()
