"""Every index the models declare exists once a service has started (unique ones enforce)."""

from __future__ import annotations

from typing import Any

import pytest

from auth_svc.models.documents import DOCUMENT_MODELS as AUTH_MODELS
from chat_svc.app import CHAT_MODELS
from service_kit.storage.document_store import open_document_store
from service_kit.storage.store_compat import declared_indexes

pytestmark = pytest.mark.slow  # a whole topology per module: `./run test-slow`

EXPECTED = {
    "auth_svc": {
        ("users", "email_1", True),
        ("sign_ups", "token_hash_1", False),
        ("password_resets", "token_hash_1", False),
        ("sessions", "token_hashes_1", False),
        ("sessions", "handoff_code_hash_1", False),
        ("sessions", "user_id_1_revoked_at_1", False),
        ("outbox", "sent_at_1_lease_until_1", False),
        # lookups/: revocations and last uses as inserts (issue 28, accounts at scale).
        ("session_revocations", "user_id_1_session_id_1_revoked_at_1", False),
        ("session_use_batches", "at_1", False),
    },
    "chat_svc": {
        ("messages", "room_1_message_id_1", True),
        ("messages", "room_1_event_id_1", False),
        ("users", "user_id_1", True),
        ("users", "email_1", False),
        ("rooms", "slug_1", True),
        ("rooms", "name_key_1", True),
        ("memberships", "room_1_user_id_1", True),
        ("memberships", "user_id_1_opened_at_-1", False),
        # Feature folders: files/, push/, tokens/, bots/, administration/, profiles/.
        ("files", "file_id_1", True),
        ("files", "room_1_message_id_1", False),
        ("files", "uploader_id_1", False),
        ("push_subscriptions", "session_id_1", False),
        ("push_subscriptions", "user_id_1", False),
        ("api_tokens", "token_hash_1", True),
        ("api_tokens", "token_id_1", True),
        ("api_tokens", "user_id_1", False),
        ("bots", "user_id_1", True),
        ("audit_log", "at_-1", False),
        ("profiles", "user_id_1", True),
        ("member_lines", "room_1_at_1", False),  # member_lines/: a page's lines by time
    },
}
MODELS: dict[str, list[Any]] = {
    "auth_svc": list(AUTH_MODELS),
    "chat_svc": list(CHAT_MODELS),
}


@pytest.mark.parametrize("service", ["auth_svc", "chat_svc"])
async def test_the_declared_indexes_exist_after_start_up(
    service: str, mongodb_url: str, mongodb_database: str
) -> None:
    store = open_document_store(mongodb_url, mongodb_database, MODELS[service], service)
    await store.wait_ready(15)
    found = set()
    for model in MODELS[service]:
        collection = model.get_pymongo_collection()
        async for index in await collection.list_indexes():
            if index["name"] != "_id_":
                found.add((collection.name, index["name"], bool(index.get("unique"))))
    # Every model's declaration is covered by the expectation, and every expectation exists.
    declared = {
        (model.get_pymongo_collection().name, index.document["name"])
        for model in MODELS[service]
        for index in declared_indexes(model)
    }
    assert declared == {(collection, name) for collection, name, _ in EXPECTED[service]}
    assert found == EXPECTED[service]
    await store.close()


async def test_starting_twice_on_the_same_database_keeps_the_indexes(
    mongodb_url: str, mongodb_database: str
) -> None:
    for _ in range(2):  # a second start-up finds them all and creates none
        store = open_document_store(mongodb_url, mongodb_database, AUTH_MODELS, "auth_svc")
        await store.wait_ready(15)
        await store.close()
