"""The outbox rides out a NATS outage; rate limits answer a friendly 429; hashes upgrade."""

from __future__ import annotations

import asyncio
from typing import Any

from argon2 import PasswordHasher
from nats.js import JetStreamContext
from quart import Quart
from quart.typing import TestClientProtocol as Client
from redis.asyncio import Redis

from auth_svc.app import create_app
from auth_svc.models.documents import OutboxDocument, UserDocument
from auth_svc.models.outbox import count_pending_outbox_entries
from auth_svc.settings import AuthSettings
from service_kit.events import SignUpRequested, UserCreated, UserSignedIn
from tests.integration.auth_svc.conftest import (
    PASSWORD,
    link_of,
    sign_in,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)
from tests.support.servers import NatsServer


async def test_events_written_while_nats_is_down_are_delivered_when_it_is_back(
    client: Client, jetstream: JetStreamContext, nats_server: NatsServer
) -> None:
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    assert isinstance(requested, SignUpRequested)
    path = f"/set-password?token={token_from(link_of(requested))}"
    csrf_page = await client.get(path)
    assert csrf_page.status_code == 200
    assert await outbox_emptied()  # the sign-up's entry, published, is deleted too

    nats_server.stop()
    try:
        response = await submit(client, path, password=PASSWORD, confirm_password=PASSWORD)
        # The account exists at once, signed in; its two events wait in the outbox.
        assert response.status_code == 303
        assert await UserDocument.find_one({"email": "ada@example.com"}) is not None
        assert await count_pending_outbox_entries() == 2
    finally:
        nats_server.start()

    [created] = await wait_for_events(jetstream, UserCreated.SUBJECT, timeout=30)
    assert isinstance(created, UserCreated) and created.email == "ada@example.com"
    assert await outbox_emptied()


async def outbox_emptied(seconds: float = 5.0) -> bool:
    """Published entries are deleted together once a second (lib/outbox_relay.py)."""
    for _ in range(int(seconds * 10)):
        if await OutboxDocument.find_all().count() == 0:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_published_entries_are_deleted_together(
    client: Client, auth_app: Quart, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    for _ in range(3):
        await sign_in(auth_app.test_client())  # a browser each: one sign-in each
    await wait_for_events(jetstream, UserSignedIn.SUBJECT, 3)
    assert await outbox_emptied()
    assert await count_pending_outbox_entries() == 0


async def test_sign_in_is_limited_per_account_with_a_friendly_page(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    settings = AuthSettings(**infrastructure_env | {"sign_in_per_account_client": 2})
    app = create_app(settings)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        statuses = [
            (
                await submit(client, "/sign-in", email="ada@example.com", password="wrong pw")
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]
        limited = await submit(client, "/sign-in", email="ada@example.com", password="wrong pw")
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        html = await limited.get_data(as_text=True)
        assert "Too many attempts" in html and "<html" in html
        # Another account from the same address is not affected by ada's limit.
        other = await submit(client, "/sign-in", email="bob@example.com", password="wrong pw")
        assert other.status_code == 401


async def test_sign_up_and_forgot_password_are_limited_per_address(
    infrastructure_env: dict[str, Any],
) -> None:
    settings = AuthSettings(
        **infrastructure_env | {"sign_up_per_ip": 2, "forgot_password_per_ip": 2}
    )
    app = create_app(settings)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        sign_ups = [
            await submit(client, "/sign-up", email=f"p{i}@example.com", display_name="P")
            for i in range(3)
        ]
        resets = [
            await submit(client, "/forgot-password", email=f"p{i}@example.com") for i in range(3)
        ]
        assert [r.status_code for r in sign_ups] == [303, 303, 429]
        assert [r.status_code for r in resets] == [303, 303, 429]


async def test_a_hash_with_old_parameters_is_upgraded_on_sign_in(
    client: Client, jetstream: JetStreamContext, redis_client: Redis
) -> None:
    await sign_up(client, jetstream)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await UserDocument.get_pymongo_collection().update_one(
        {"email": "ada@example.com"}, {"$set": {"password_hash": weak}}
    )
    await redis_client.flushall()  # the account index is rebuilt from the store as it is now
    await sign_in(client)
    user = await UserDocument.find_one({"email": "ada@example.com"})
    assert user is not None
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_an_oversized_request_is_a_clear_413_page(client: Client) -> None:
    response = await client.post("/sign-up", form={"email": "a" * 100_000})
    assert response.status_code == 413
    assert "Request too large" in await response.get_data(as_text=True)
