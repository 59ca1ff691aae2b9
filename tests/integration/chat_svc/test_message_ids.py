"""Message ids come from one sequence that every replica shares."""

from typing import Any

from redis.asyncio import Redis

from chat_svc.lib.message_ids import RedisSequence, StoreSequence, shared_message_ids
from chat_svc.models.messages import DOCUMENT_MODELS, insert_message
from service_kit.document_store import open_document_store


async def test_replicas_on_the_in_memory_store_share_a_redis_sequence(
    infrastructure_env: dict[str, Any], redis_client: Redis
) -> None:
    store = await open_document_store(
        infrastructure_env["mongodb_url"],
        infrastructure_env["mongodb_database"],
        DOCUMENT_MODELS,
        "tests",
    )
    await insert_message("general", 41, "u1", "Ada", "from before a Redis flush")
    replica_a, replica_b = RedisSequence(redis_client), RedisSequence(redis_client)
    ids = [await replica.next_id("general") for replica in (replica_a, replica_b, replica_a)]
    assert ids == [42, 43, 44]  # seeded from the store, then shared
    await store.close()


def test_the_sequence_follows_the_store_kind(redis_client: Redis) -> None:
    assert isinstance(shared_message_ids(True, redis_client), RedisSequence)
    assert isinstance(shared_message_ids(False, redis_client), StoreSequence)
