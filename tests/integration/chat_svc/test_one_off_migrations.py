"""One-off migrations run once per database, in the background: a start-up never waits for
a scan of the messages (issue 28: with 100,000 messages lacking a room the stack no longer
started)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient

from chat_svc.runtime import runtime_of
from service_kit.storage.document_store import service_database_name
from tests.integration.chat_svc.conftest import AppFactory

# From before rooms: no "room" field. FerretDB updates them one by one, each a scan (about
# 30 s for 1,500), so a few hundred keep the migration busy for a while after start-up.
OLD_MESSAGES = 300


def _old_message(message_id: int) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "author_id": "u-old",
        "author_name": "Old",
        "body": f"from before rooms {message_id}",
        "posted_at": datetime.now(UTC),
    }


async def test_start_up_does_not_wait_for_a_migration_that_then_runs_once(
    make_chat_app: AppFactory, mongodb_url: str, mongodb_database: str
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, tz_aware=True)
    database = client[service_database_name(mongodb_database, "chat_svc")]
    messages = database["messages"]
    try:
        await messages.insert_many([_old_message(i) for i in range(1, OLD_MESSAGES + 1)])
        async with make_chat_app().test_app() as test_app:
            task = runtime_of(test_app.app).migrations_task  # type: ignore[attr-defined]
            # Started and serving while the migration is still under way.
            assert not task.done()
            response = await test_app.test_client().get("/healthz")
            assert response.status_code == 200
            await asyncio.wait_for(asyncio.shield(task), 60)
        assert await messages.count_documents({"room": {"$exists": False}}) == 0
        assert await messages.count_documents({"room": "general"}) == OLD_MESSAGES
        records = await database["migrations"].find({}).to_list()
        assert [record["_id"] for record in records] == ["messages-into-rooms"]

        # Recorded: the next start-up does not run it again (a message lacking a room now
        # stays so, which a second run would have changed).
        await messages.insert_one(_old_message(OLD_MESSAGES + 1))
        async with make_chat_app().test_app() as test_app:
            await runtime_of(test_app.app).migrations_task  # type: ignore[attr-defined]
        assert await messages.count_documents({"room": {"$exists": False}}) == 1
        assert await database["migrations"].count_documents({}) == 1
    finally:
        await client.close()
