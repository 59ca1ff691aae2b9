"""One-off migrations: each runs once per database, in the background, and is recorded as
done (a document keyed by the migration's name), so no replica scans at start-up.

A migration must be idempotent: two replicas starting together may both run it before
either has recorded it (the record is an insert into ``_id``, so it is written once). The
run waits for the database to be set up and retries after an error; start-up never waits
for it. Reading the record costs a scan of this tiny collection on FerretDB, which is fine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from beanie import Document
from pydantic import Field
from pymongo.errors import DuplicateKeyError

log = logging.getLogger(__name__)

Migration = Callable[[], Awaitable[None]]
RETRY_SECONDS = 5.0


class MigrationRecord(Document):
    id: str  # type: ignore[assignment]  # the migration's name
    done_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    class Settings:
        name = "migrations"


async def is_done(name: str) -> bool:
    found = await MigrationRecord.get_pymongo_collection().find_one({"_id": name}, {"_id": 1})
    return found is not None


async def record_done(name: str) -> None:
    # DuplicateKeyError: another replica ran it too (migrations are idempotent).
    with contextlib.suppress(DuplicateKeyError):
        await MigrationRecord.get_pymongo_collection().insert_one(
            {"_id": name, "done_at": datetime.now(UTC)}
        )


async def run_migrations(
    migrations: Mapping[str, Migration],
    database_ready: asyncio.Event,
    retry_seconds: float = RETRY_SECONDS,
) -> None:
    """Each migration not recorded yet, in order, once the database is set up; retried
    until it succeeds (run as a background task: cancelled at shutdown)."""
    await database_ready.wait()
    for name, migrate in migrations.items():
        while True:
            try:
                if not await is_done(name):
                    log.info("migration started", extra={"migration": name})
                    await migrate()
                    await record_done(name)
                    log.info("migration done", extra={"migration": name})
                break
            except Exception as error:
                log.warning("migration %s failed, retrying: %s", name, str(error)[:200])
                await asyncio.sleep(retry_seconds)
