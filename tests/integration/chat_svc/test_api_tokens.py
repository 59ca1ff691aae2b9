"""Personal API tokens: made on /settings/tokens and shown once, bearer-only on /api/, and
revoked at once on every replica (by hand, by signing out everywhere, by a password change)."""

from __future__ import annotations

import asyncio
import re

import httpx
from nats.js import JetStreamContext

from chat_svc.tokens.token_records import ApiToken
from service_kit.events import PasswordChanged
from service_kit.messaging.jetstream import publish_event
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.test_streams import signed_in_client

NEW_TOKEN = re.compile(r'id="new-token">([^<]+)<')


async def create_token(base_url: str, session: FakeSession, name: str = "CI") -> str:
    async with signed_in_client(base_url, session) as browser:
        page = await browser.get("/settings/tokens")
        assert page.status_code == 200
        assert 'id="new-token"' not in page.text
        created = await browser.post(
            "/settings/tokens", data={"name": name, "csrf_token": csrf_token_in(page.text)}
        )
        assert created.status_code == 200, created.text
        assert created.headers["cache-control"] == "no-store"
        found = NEW_TOKEN.search(created.text)
        assert found, created.text
        again = await browser.get("/settings/tokens")
        assert name in again.text and found.group(1) not in again.text  # shown once
        return found.group(1)


async def me_status(base_url: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=base_url) as script:
        response = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        return response.status_code


async def eventually_401(base_url: str, token: str) -> None:
    async with asyncio.timeout(10):  # the events travel over NATS: a safety net, not a timing
        while await me_status(base_url, token) != 401:
            await asyncio.sleep(0.05)


async def test_a_token_is_stored_hashed_and_revoked_at_once_on_both_replicas(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as first, serve(make_chat_app()) as second:
        token = await create_token(first, ada)
        assert await me_status(first, token) == 200
        assert await me_status(second, token) == 200
        stored = await ApiToken.find_all().to_list()
        assert [record.name for record in stored] == ["CI"]
        assert token not in stored[0].model_dump_json()
        assert stored[0].last_used_at is not None
        async with signed_in_client(first, ada) as browser:
            page = await browser.get("/settings/tokens")
            assert "last used" in page.text
            revoked = await browser.post(
                f"/settings/tokens/{stored[0].token_id}/revoke",
                data={"csrf_token": csrf_token_in(page.text)},
            )
            assert revoked.status_code == 303
        # No waiting: the very next request on the other replica is refused.
        assert await me_status(second, token) == 401
        assert await me_status(first, token) == 401


async def test_cookies_never_authenticate_the_api(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base, signed_in_client(base, ada) as browser:
        assert (await browser.get("/rooms/general")).status_code == 200
        response = await browser.get("/api/v1/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_signing_out_everywhere_and_a_password_change_revoke_the_persons_tokens(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with serve(make_chat_app()) as first, serve(make_chat_app()) as second:
        adas, bobs = await create_token(first, ada), await create_token(first, bob)
        async with signed_in_client(first, ada) as browser:
            page = await browser.get("/rooms/general")
            signed_out = await browser.post(
                "/sign-out-everywhere", data={"csrf_token": csrf_token_in(page.text)}
            )
            assert signed_out.status_code == 303
        await eventually_401(second, adas)
        assert await me_status(second, bobs) == 200
        event = PasswordChanged(user_id=bob.user_id, email=bob.email, display_name="Bob")
        await publish_event(jetstream, event)
        await eventually_401(second, bobs)


async def test_a_revocation_published_while_no_replica_runs_counts_when_one_starts(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    # Revocations travel through the durable chat_svc_tokens: a core subscription would have
    # missed this event, and the token would have kept working after the password change.
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base:
        token = await create_token(base, ada)
        assert await me_status(base, token) == 200
    event = PasswordChanged(user_id=ada.user_id, email=ada.email, display_name="Ada")
    await publish_event(jetstream, event)
    async with serve(make_chat_app()) as base:
        await eventually_401(base, token)
