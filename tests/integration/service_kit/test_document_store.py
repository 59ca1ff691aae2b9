"""Persistence through beanie: MongoDB when MONGODB_URL is set, the in-memory store otherwise."""

import pytest
from beanie import Document
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from service_kit.document_store import open_document_store


class Note(Document):
    key: str
    text: str

    class Settings:
        name = "notes"
        indexes = [IndexModel("key", unique=True)]


async def test_documents_round_trip_and_unique_indexes_hold(
    mongodb_url: str | None, mongodb_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = await open_document_store(mongodb_url, mongodb_database, [Note], "tests")
    assert store.in_memory is (mongodb_url is None)
    if store.in_memory:
        assert "IN-MEMORY" in caplog.text
    await store.ping()
    await Note(key="a", text="first").insert()
    with pytest.raises(DuplicateKeyError):
        await Note(key="a", text="again").insert()
    found = await Note.find_one(Note.key == "a")
    assert found is not None and found.text == "first"
    await store.close()
