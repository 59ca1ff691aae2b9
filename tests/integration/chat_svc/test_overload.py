"""Posting while every Redis connection is busy: 503 with Retry-After, never a 500 (issue 15:
at 200 msg/s chat answered 500, "Too many connections")."""

from __future__ import annotations

from quart.typing import TestClientProtocol as ChatClient

from service_kit.lifecycle import infrastructure_of
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in
from tests.integration.chat_svc.fake_auth import FakeAuth


async def post(client: ChatClient, csrf: str, htmx: bool) -> tuple[int, str | None, str]:
    response = await client.post(
        "/messages",
        form={"body": "hello", "csrf_token": csrf},
        headers={"HX-Request": "true"} if htmx else {},
    )
    body = await response.get_data(as_text=True)
    return response.status_code, response.headers.get("Retry-After"), body


async def test_a_post_while_the_redis_pool_is_exhausted_answers_503_not_500(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app(redis_max_connections=2, redis_pool_timeout=0.05)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        csrf = csrf_token_in(await (await client.get("/rooms/general")).get_data(as_text=True))
        pool = infrastructure_of(app).redis.connection_pool
        held = [await pool.get_connection() for _ in range(pool.max_connections)]  # type: ignore[no-untyped-call]
        try:
            page = await post(client, csrf, htmx=False)
            fragment = await post(client, csrf, htmx=True)
        finally:
            for connection in held:
                await pool.release(connection)
        after = await post(client, csrf, htmx=False)
    assert page[:2] == (503, "1") and "<title>Busy" in page[2]
    assert fragment[:2] == (503, "1") and fragment[2].startswith('<p class="error busy"')
    assert after[0] == 303  # nothing stuck: the next post goes through
