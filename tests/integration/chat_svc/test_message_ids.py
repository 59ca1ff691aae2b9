"""Message ids: one Redis sequence per room for every replica, seeded from the database."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError
from redis.asyncio import Redis

from chat_svc.actions.message_feed import MessageFeed
from chat_svc.actions.message_ids import SEED_MARGIN, MessageIdSequence, sequence_key
from chat_svc.actions.message_publisher import LivePublisher
from chat_svc.actions.post_intake import PostIntake
from chat_svc.auth.auth_client import Viewer
from chat_svc.models.messages import (
    DOCUMENT_MODELS,
    ChatMessage,
    insert_message,
    select_latest_messages,
)
from chat_svc.reads.latest_cache import LatestCache
from service_kit.messaging.jetstream import ensure_streams, load_topology
from service_kit.storage.document_store import open_document_store


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
    await insert_message("general", 41, "u1", "Ada", "from before a Redis flush")
    await insert_message("other", 7, "u1", "Ada", "another room counts on its own")
    replica_a, replica_b = MessageIdSequence(redis_client), MessageIdSequence(redis_client)
    ids = [await replica.next_id("general") for replica in (replica_a, replica_b, replica_a)]
    # Seeded above the database's highest id (ids in flight may sit between), then shared.
    assert ids == [41 + SEED_MARGIN + n for n in (1, 2, 3)]
    assert await replica_b.next_id("other") == 7 + SEED_MARGIN + 1
    assert await replica_a.next_id("new-room") == 1  # nothing stored: no gap


async def test_an_id_handed_out_twice_is_stored_once_and_the_post_takes_another(
    chat_database: Any, redis_client: Redis, nats_client: Any, jetstream: Any
) -> None:
    await ensure_streams(jetstream, load_topology())  # published, not left to try again
    await insert_message("general", 7, "u1", "Ada", "holds id 7")
    await redis_client.set(sequence_key("general"), 6)  # re-seeded under an id in flight
    intake = PostIntake(redis_client, 50, rate_count=100, rate_period_seconds=1.0)
    publisher = LivePublisher(nats_client, jetstream)
    feed = MessageFeed(
        LatestCache(redis_client, 50), publisher, MessageIdSequence(redis_client), intake
    )
    viewer = Viewer(session_id="s", user_id="u2", email="grace@example.com", display_name="Grace")
    posted = await feed.post(viewer, "general", "needs a free id")
    assert posted.message_id == 8 and publisher.republishing == 0
    stored = await select_latest_messages("general", 10)
    assert [(m.message_id, m.body) for m in stored] == [(7, "holds id 7"), (8, "needs a free id")]


async def test_a_new_message_is_stored_as_the_document_beanie_writes(chat_database: Any) -> None:
    """insert_message writes to the collection itself (beanie's insert cost 1.3 ms of CPU per
    post): the document must stay field for field, type for type, what ChatMessage holds."""
    posted_at = datetime(2026, 11, 28, 7, 0, 0, 123000, tzinfo=UTC)
    await ChatMessage(
        room="general",
        message_id=1,
        author_id="u1",
        author_name="Ada",
        body="through beanie",
        posted_at=posted_at,
        mentions=("u2",),
    ).insert()
    record = await insert_message("general", 2, "u1", "Ada", "straight", posted_at, ["u2"])
    collection = ChatMessage.get_pymongo_collection()
    by_beanie, ours = [
        await collection.find_one({"room": "general", "message_id": n}, {"_id": 0}) for n in (1, 2)
    ]
    assert by_beanie is not None and ours is not None
    differing = {"message_id", "body"}
    assert {k: (v, type(v)) for k, v in ours.items() if k not in differing} == {
        k: (v, type(v)) for k, v in by_beanie.items() if k not in differing
    }
    assert list(ours) == list(by_beanie)  # the same fields, in the same order
    assert (await select_latest_messages("general", 10))[-1] == record
    with pytest.raises(DuplicateKeyError):
        await insert_message("general", 2, "u3", "Grace", "the id is taken")
