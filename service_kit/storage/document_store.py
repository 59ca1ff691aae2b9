"""Connect beanie to the database: MongoDB in production, FerretDB in dev, CI and tests.

Each service owns its own database (``<MONGODB_DATABASE>_<service>``): no service reads
another's collections, and on FerretDB's SQLite backend each database is its own file, so
one service's writes never wait on another's.

The database may be down when a service starts. The service starts anyway: ``/readyz``
answers 503 naming the database, a background task retries the set-up (collections and
indexes) once per interval, logging one line per try, and the service becomes ready by
itself once the database answers. Work that needs the database at start-up registers
with ``when_ready``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from service_kit.storage.store_compat import ensure_indexes

log = logging.getLogger(__name__)

StartupWork = Callable[[], Awaitable[None]]

# Bounded waits: a request facing a dead database fails within a few seconds (503), and a
# connection that stops answering mid-reply is dropped instead of holding the request.
CLIENT_OPTIONS: dict[str, Any] = {
    "serverSelectionTimeoutMS": 2000,
    "connectTimeoutMS": 2000,
    "socketTimeoutMS": 5000,
    "maxPoolSize": 50,
    "waitQueueTimeoutMS": 2000,
    "tz_aware": True,
}


class DatabaseNotReadyError(ConnectionError):
    """The database has not been set up yet (it was down at start-up)."""


def service_database_name(base: str, service: str) -> str:
    """``chat_app`` + ``auth_svc`` -> ``chat_app_auth``."""
    return f"{base}_{service.removesuffix('_svc')}"


@dataclass
class DocumentStore:
    client: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    models: Sequence[type[Document]]
    retry_seconds: float = 2.0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _startup_work: list[StartupWork] = field(default_factory=list)
    _set_up_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._set_up_task = asyncio.create_task(self._set_up(), name="database set-up")

    async def when_ready(self, work: StartupWork) -> None:
        """Run idempotent ``work`` as part of the set-up (now, if the set-up is done)."""
        if self.ready.is_set():
            await work()
        else:
            self._startup_work.append(work)

    async def _set_up(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await init_beanie(
                    database=self.database, document_models=list(self.models), skip_indexes=True
                )
                await ensure_indexes(self.models)
                for work in self._startup_work:
                    await work()
            except Exception as error:
                log.warning(
                    "database %s not ready (attempt %d), retrying in %.0f s: %s",
                    self.database.name,
                    attempt,
                    self.retry_seconds,
                    str(error)[:200],
                )
                await asyncio.sleep(self.retry_seconds)
                continue
            self.ready.set()
            log.info("database ready", extra={"database": self.database.name})
            return

    async def wait_ready(self, seconds: float) -> None:
        async with asyncio.timeout(seconds):
            await self.ready.wait()

    async def ping(self) -> None:
        if not self.ready.is_set():
            raise DatabaseNotReadyError(f"{self.database.name} is not set up yet")
        await self.client.admin.command("ping")

    async def close(self) -> None:
        if self._set_up_task is not None:
            self._set_up_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._set_up_task
        self._release_models()
        await self.client.close()

    def _release_models(self) -> None:
        """beanie binds each model class to a client, process-wide: unbind ours, so a later
        app in this process (tests) whose database is not set up yet gets a clean
        "not initialised" (503) instead of this closed client."""
        for model in self.models:
            settings = model._document_settings
            if settings is not None and settings.pymongo_db is self.database:
                model._document_settings = None


def open_document_store(
    mongodb_url: str,
    base_name: str,
    models: Sequence[type[Document]],
    service: str,
    *,
    retry_seconds: float = 2.0,
) -> DocumentStore:
    """Connect (lazily) and start setting up beanie in the background; see ``when_ready``."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, **CLIENT_OPTIONS)
    database = client[service_database_name(base_name, service)]
    store = DocumentStore(client, database, models, retry_seconds)
    log.info("database %s at %s", database.name, _without_credentials(mongodb_url))
    store.start()
    return store


def _without_credentials(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
