"""Connect beanie to MongoDB (PyMongo's AsyncMongoClient) or to the in-memory fallback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient

log = logging.getLogger(__name__)


@dataclass
class DocumentStore:
    client: Any  # AsyncMongoClient, or the in-memory stand-in
    database: Any
    in_memory: bool

    async def ping(self) -> None:
        if not self.in_memory:
            await self.client.admin.command("ping")

    async def close(self) -> None:
        if not self.in_memory:
            await self.client.close()


async def open_document_store(
    mongodb_url: str | None,
    database: str,
    models: Sequence[type[Document]],
    service: str,
) -> DocumentStore:
    if mongodb_url:
        client: Any = AsyncMongoClient(mongodb_url, serverSelectionTimeoutMS=5000, tz_aware=True)
        store = DocumentStore(client, client[database], in_memory=False)
        log.info("document store: MongoDB", extra={"database": database})
    else:
        try:
            from service_kit.in_memory_document_store import open_in_memory_database
        except ImportError as error:  # production images leave the fallback out
            raise RuntimeError(
                "MONGODB_URL is not set and the in-memory store is not installed "
                "(uv dependency group 'in-memory-store'): set MONGODB_URL"
            ) from error

        client, db = open_in_memory_database(database, service)
        store = DocumentStore(client, db, in_memory=True)
    await init_beanie(database=store.database, document_models=list(models))
    return store
