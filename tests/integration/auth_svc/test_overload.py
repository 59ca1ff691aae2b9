"""Overload degrades, never fails: a busy Redis pool or too many writes answer 503 + Retry-After."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from quart import Quart
from quart.typing import TestClientProtocol as Client

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings
from service_kit.lifecycle import infrastructure_of
from tests.integration.auth_svc.conftest import INTERNAL_SCOPE, PASSWORD, csrf_token


@asynccontextmanager
async def redis_pool_held(app: Quart) -> AsyncIterator[None]:
    """Every connection of the app's Redis pool checked out, as under a burst of requests."""
    pool = infrastructure_of(app).redis.connection_pool
    held = [await pool.get_connection() for _ in range(pool.max_connections)]  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        for connection in held:
            await pool.release(connection)


def busy_app(infrastructure_env: dict[str, Any], **overrides: Any) -> Quart:
    fields = {"redis_max_connections": 2, "redis_pool_timeout": 0.05} | overrides
    return create_app(AuthSettings(**infrastructure_env | fields))


async def post_sign_in(client: Client, csrf: str, htmx: bool = False) -> Any:
    form = {"csrf_token": csrf, "email": "ada@example.com", "password": PASSWORD}
    return await client.post("/sign-in", form=form, headers={"HX-Request": "true"} if htmx else {})


async def test_a_saturated_redis_pool_answers_503_with_retry_after_not_500(
    infrastructure_env: dict[str, Any],
) -> None:
    app = busy_app(infrastructure_env)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        csrf = await csrf_token(client, "/sign-in")
        async with redis_pool_held(app):
            page = await post_sign_in(client, csrf)
            fragment = await post_sign_in(client, csrf, htmx=True)
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "1"
        assert "<title>Busy" in await page.get_data(as_text=True)
        assert fragment.status_code == 503 and fragment.headers["Retry-After"] == "1"
        assert (await fragment.get_data(as_text=True)).startswith('<p class="error busy"')
        # Once the pool has connections again, the same form goes through.
        assert (await post_sign_in(client, csrf)).status_code == 401


async def test_writes_past_the_limit_are_refused_at_once_with_the_busy_page(
    infrastructure_env: dict[str, Any],
) -> None:
    app = busy_app(infrastructure_env, redis_pool_timeout=1.0, max_writes_in_flight=1)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        csrf = await csrf_token(client, "/sign-in")
        async with redis_pool_held(app):
            waiting = asyncio.create_task(post_sign_in(client, csrf))  # holds the one slot
            await asyncio.sleep(0.1)
            started = time.monotonic()
            refused = await post_sign_in(client, csrf)
            refused_after = time.monotonic() - started
            health = await client.get("/healthz")  # reads are never refused
            # chat's calls on the internal listener have their own limit: not refused here.
            token_check = await client.post(
                "/internal/token-check",
                json={"token": "no-such-token"},
                headers={"Authorization": "Bearer dev-only-service-secret-change-me"},
                scope_base=INTERNAL_SCOPE,
            )
            assert (await waiting).status_code == 503  # its own wait for Redis ran out
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused_after < 0.5, "refused without waiting for Redis"
        body = await refused.get_data(as_text=True)
        assert "<title>Busy" in body and "Retry in a moment" in body
        assert refused.headers["Content-Security-Policy"]  # the app's own headers
        assert health.status_code == 200
        assert token_check.status_code == 200
        assert (await token_check.get_json()) == {"valid": False}
