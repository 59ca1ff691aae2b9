"""The internal API (token check, hand-off redeem, revoke) answers only on its own internal
listener, never on the public one the edge forwards to, and is rate-limited per caller."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from quart.typing import TestClientProtocol as Client

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings
from devstack.processes import free_port

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}
PATHS = ("/internal/token-check", "/internal/handoff/redeem", "/internal/sessions/revoke")


async def test_the_public_listener_does_not_serve_the_internal_api(client: Client) -> None:
    for path in PATHS:
        response = await client.post(path, json={"token": "x", "code": "x"}, headers=SECRET)
        assert response.status_code == 404, path
        assert "<html" in (await response.get_data(as_text=True)).lower()


async def test_the_internal_listener_serves_only_the_internal_api_and_limits_callers(
    infrastructure_env: dict[str, Any],
) -> None:
    port = free_port()
    settings = AuthSettings(
        **infrastructure_env, internal_port=port, internal_requests_per_second=5
    )
    app = create_app(settings)
    async with (
        app.test_app(),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=SECRET) as internal,
    ):
        check = await internal.post("/internal/token-check", json={"token": "unknown"})
        assert check.status_code == 200 and check.json() == {"valid": False}
        assert (await internal.get("/sign-in")).status_code == 404
        answers = await asyncio.gather(
            *(internal.post("/internal/token-check", json={"token": "x"}) for _ in range(20))
        )
        statuses = [answer.status_code for answer in answers]
        assert 429 in statuses and 200 in statuses, statuses
