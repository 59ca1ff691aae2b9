"""Both chat replicas read one database: history past Valkey's window and the people."""

from __future__ import annotations

import asyncio
import os
import re

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from devstack.topology import Topology
from service_kit.storage.document_store import service_database_name
from tests.integration.stage.test_scale_out import address, chat_user, unique
from tests.support.http_accounts import HttpAccounts, chat_client

pytestmark = pytest.mark.slow  # a whole topology per module: `./run test-slow`

MESSAGE_ID = re.compile(r'data-message-id="(\d+)"')


def chat_database(stage: Topology) -> tuple[AsyncMongoClient[dict[str, object]], str]:
    # The stage fixture sets MONGODB_DATABASE for the module; every process inherits it.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stage.env["MONGODB_URL"])
    return client, service_database_name(os.environ["MONGODB_DATABASE"], "chat_svc")


async def test_older_messages_posted_on_one_replica_are_served_by_the_other_from_the_database(
    stage: Topology, accounts: HttpAccounts
) -> None:
    first, second = stage.chat_urls
    async with chat_user(accounts, "Ada", first) as ada:
        for number in range(3):
            await ada.post(unique(f"kept {number}"))
        page = await ada.client.get("/rooms/general")
        newest_id = max(int(found) for found in MESSAGE_ID.findall(page.text))
        # Once the history writer stored them (posts are acknowledged by the log), Valkey
        # forgets everything: only the database still has these messages.
        client, name = chat_database(stage)
        try:
            async with asyncio.timeout(30):
                wanted = {"body": {"$in": ada.posted}}
                while await client[name]["messages"].count_documents(wanted) < len(ada.posted):
                    await asyncio.sleep(0.1)
        finally:
            await client.close()
        redis = Redis.from_url(stage.env["REDIS_URL"])
        try:
            await redis.flushall()
        finally:
            await redis.aclose()
        async with chat_client(second, ada.session_token) as on_second:
            older = await on_second.get(f"/messages?before={newest_id + 1}")
            assert older.status_code == 200
            for body in ada.posted:
                assert body in older.text
            page = await on_second.get("/rooms/general")  # the cache is rebuilt from the database
            assert page.status_code == 200
            assert all(body in page.text for body in ada.posted)


@pytest.mark.timeout(60)
async def test_a_person_created_by_auth_is_known_once_to_both_replicas_from_the_database(
    stage: Topology, accounts: HttpAccounts
) -> None:
    email = address("newcomer")
    await accounts.sign_up(email, "Newcomer")  # setting the password sends UserCreated
    client, name = chat_database(stage)
    try:
        users = client[name]["users"]
        async with asyncio.timeout(30):  # one replica's consumer stores it, for both
            while await users.count_documents({"email": email}) == 0:
                await asyncio.sleep(0.2)
        assert await users.count_documents({"email": email}) == 1
    finally:
        await client.close()
