"""Message ids: one Redis sequence for every replica, seeded from the shared database."""

from typing import Any

import pytest
from redis.asyncio import Redis

from chat_svc.lib.auth_client import Viewer
from chat_svc.lib.latest_cache import LatestCache
from chat_svc.lib.message_feed import MessageFeed
from chat_svc.lib.message_ids import SEQUENCE_KEY, MessageIdSequence
from chat_svc.models.messages import DOCUMENT_MODELS, insert_message, select_latest_messages
from service_kit.document_store import open_document_store


@pytest.fixture
async def chat_database(infrastructure_env: dict[str, Any]) -> Any:
    store = open_document_store(
        infrastructure_env["mongodb_url"],
        infrastructure_env["mongodb_database"],
        DOCUMENT_MODELS,
        "chat_svc",
    )
    await store.wait_ready(10)
    yield store
    await store.close()


async def test_after_a_redis_flush_ids_continue_from_the_database(
    chat_database: Any, redis_client: Redis
) -> None:
    await insert_message(41, "u1", "Ada", "from before a Redis flush")
    replica_a, replica_b = MessageIdSequence(redis_client), MessageIdSequence(redis_client)
    ids = [await replica_a.next_id(), await replica_b.next_id(), await replica_a.next_id()]
    assert ids == [42, 43, 44]  # seeded from the database, then shared


async def test_an_id_handed_out_twice_is_stored_once_and_the_post_takes_another(
    chat_database: Any, redis_client: Redis, jetstream: Any
) -> None:
    await insert_message(7, "u1", "Ada", "holds id 7")
    await redis_client.set(SEQUENCE_KEY, 6)  # as if re-seeded under an id still in flight
    feed = MessageFeed(LatestCache(redis_client, 50), jetstream, MessageIdSequence(redis_client))
    viewer = Viewer(session_id="s", user_id="u2", email="grace@example.com", display_name="Grace")
    posted = await feed.post(viewer, "needs a free id")
    assert posted.message_id == 8
    stored = await select_latest_messages(10)
    assert [(m.message_id, m.body) for m in stored] == [(7, "holds id 7"), (8, "needs a free id")]
