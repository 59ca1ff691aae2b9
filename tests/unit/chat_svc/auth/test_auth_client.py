"""The token-check cache: valid answers reused briefly, dropped on revocation."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from chat_svc.auth.auth_client import AuthClient, AuthUnavailableError

VALID = {
    "valid": True,
    "session_id": "s-1",
    "user_id": "u-1",
    "email": "ada@example.com",
    "display_name": "Ada",
    "expires_at": "2099-01-01T00:00:00Z",
}


def client_answering(answers: list[dict[str, object]], seen: list[str]) -> AuthClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content)["token"])
        return httpx.Response(200, json=answers.pop(0))

    http = httpx.AsyncClient(base_url="http://auth.test", transport=httpx.MockTransport(handle))
    return AuthClient(http=http, cache_seconds=60)


async def test_a_valid_answer_is_cached_until_its_session_is_revoked() -> None:
    seen: list[str] = []
    auth = client_answering([VALID, {"valid": False}], seen)
    first = await auth.check("token-1")
    again = await auth.check("token-1")
    assert first is not None and first == again and first.display_name == "Ada"
    assert seen == ["token-1"]
    auth.forget_session("s-1")
    assert await auth.check("token-1") is None
    assert seen == ["token-1", "token-1"]


async def test_an_auth_outage_is_an_error_not_a_sign_out() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    http = httpx.AsyncClient(base_url="http://auth.test", transport=httpx.MockTransport(handle))
    with pytest.raises(AuthUnavailableError):
        await AuthClient(http=http, cache_seconds=5).check("token-1")


async def test_concurrent_checks_of_one_token_share_one_call() -> None:
    seen: list[str] = []
    release = asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content)["token"])
        await release.wait()  # every stream of a reconnect storm asks before auth answers
        return httpx.Response(200, json=VALID)

    http = httpx.AsyncClient(base_url="http://auth.test", transport=httpx.MockTransport(handle))
    auth = AuthClient(http=http, cache_seconds=60)
    checks = [asyncio.create_task(auth.check("token-1")) for _ in range(50)]
    await asyncio.sleep(0.05)
    release.set()
    viewers = await asyncio.gather(*checks)
    assert seen == ["token-1"]
    assert all(viewer is not None and viewer.user_id == "u-1" for viewer in viewers)


async def test_a_refused_token_is_asked_about_again() -> None:
    # Only valid answers are kept: a refusal is cheap to repeat and never outlives its cause.
    seen: list[str] = []
    auth = client_answering([{"valid": False}, {"valid": False}], seen)
    assert await auth.check("token-1") is None
    assert await auth.check("token-1") is None
    assert seen == ["token-1", "token-1"]


async def test_the_session_a_hand_off_opened_is_not_checked_again() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json=VALID | {"access_token": "token-1"})

    http = httpx.AsyncClient(base_url="http://auth.test", transport=httpx.MockTransport(handle))
    auth = AuthClient(http=http, cache_seconds=60)
    redeemed = await auth.redeem("code-1")
    assert redeemed is not None
    assert await auth.check("token-1") == redeemed.viewer
    assert calls == ["/internal/handoff/redeem"]
    auth.forget_session("s-1")  # the hand-off's token is dropped with its session too
    await auth.check("token-1")
    assert calls == ["/internal/handoff/redeem", "/internal/token-check"]
