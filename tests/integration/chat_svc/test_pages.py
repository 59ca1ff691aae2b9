"""The chat page: who may see it, and the latest messages from Redis or the store."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from redis.asyncio import Redis

from chat_svc.models.users import count_users, select_user
from chat_svc.reads.latest_cache import ready_key
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.support.servers import RedisServer


async def post_directly(app: object, session: FakeSession, count: int) -> None:
    services = services_of(app)  # type: ignore[arg-type]
    viewer = await services.auth.check(session.token)
    assert viewer is not None
    for number in range(1, count + 1):
        await services.actions.messages.post(
            viewer, "general", f"message {number}", rate_limited=False
        )


async def test_page_shows_exactly_the_latest_ten_oldest_first(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with app.test_app() as test_app:
        await post_directly(app, session, 12)
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        response = await client.get("/rooms/general")
        html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert message_ids_in(html) == list(range(3, 13))
    assert "message 12" in html and "message 2<" not in html
    assert html.count("<time datetime=") == 10
    assert 'aria-live="polite"' in html
    assert 'sse-connect="/rooms/general/events?after=12"' in html
    # The no-JavaScript way to older messages:
    assert 'href="/rooms/general/messages?before=3"' in html
    assert 'action="/sign-out"' in html


async def test_older_messages_come_from_the_store_page_by_page(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with app.test_app() as test_app:
        await post_directly(app, session, 25)
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        page = await client.get("/messages?before=16")
        fragment = await client.get("/messages?before=6", headers={"HX-Request": "true"})
        page_html = await page.get_data(as_text=True)
        fragment_html = await fragment.get_data(as_text=True)
    assert message_ids_in(page_html) == list(range(6, 16))
    assert 'href="/rooms/general/messages?before=6"' in page_html
    assert message_ids_in(fragment_html) == [1, 2, 3, 4, 5]
    assert "<html" not in fragment_html
    assert 'hx-swap-oob="outerHTML"' in fragment_html and "before=" not in fragment_html


@pytest.mark.parametrize("cookie", [None, "not-a-token", "revoked"])
async def test_without_a_valid_session_the_page_redirects_to_sign_in(
    make_chat_app: AppFactory, fake_auth: FakeAuth, cookie: str | None
) -> None:
    app = make_chat_app(auth_public_url="http://auth.test")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        if cookie == "revoked":
            session = fake_auth.sign_in("Ada")
            session.revoked = True
            cookie = session.token
        if cookie:
            client.set_cookie("localhost", "chat_session", cookie)
        page = await client.get("/messages?before=5")
        htmx = await client.get("/", headers={"HX-Request": "true"})
    assert page.status_code == 303
    assert page.headers["Location"] == "/sign-in?next=%2Fmessages%3Fbefore%3D5"
    assert htmx.headers["HX-Redirect"] == "/sign-in?next=%2F"


async def test_a_revoked_session_is_refused_at_once_despite_the_cache(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app(token_cache_seconds=3600)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        assert (await client.get("/rooms/general")).status_code == 200
        checks_before = fake_auth.calls.count("/internal/token-check")
        assert (await client.get("/rooms/general")).status_code == 200
        assert fake_auth.calls.count("/internal/token-check") == checks_before  # cached
        await fake_auth.revoke(session)  # publishes SessionRevoked on real NATS
        async with asyncio.timeout(10):  # a safety net, not a timed assertion
            while (response := await client.get("/rooms/general")).status_code == 200:
                await asyncio.sleep(0.01)
        assert response.status_code == 303


async def test_a_valid_session_is_served_before_its_user_created_event(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Grace", user_id="user-not-copied-yet")
    app = make_chat_app()
    async with app.test_app() as test_app:
        assert await select_user("user-not-copied-yet") is None
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        response = await client.get("/rooms/general")
        assert response.status_code == 200
        assert "Grace" in await response.get_data(as_text=True)
        user = await select_user("user-not-copied-yet")
        assert user is not None and user.display_name == "Grace"
        assert await count_users("user-not-copied-yet") == 1


async def test_a_flushed_cache_is_rebuilt_from_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with app.test_app() as test_app:
        await post_directly(app, session, 11)
        await redis_client.flushall()
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        html = await (await client.get("/rooms/general")).get_data(as_text=True)
        assert message_ids_in(html) == list(range(2, 12))
        await services_of(app).reads.history.wait_rebuilt()  # in the background
        assert await redis_client.exists(ready_key("general"))
        cached = await services_of(app).actions.messages.cache.latest("general", 10)
        assert [m.message_id for m in cached] == list(range(2, 12))


async def test_with_redis_down_the_page_is_served_from_the_store(
    make_chat_app: AppFactory,
    fake_auth: FakeAuth,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with app.test_app() as test_app:
        await post_directly(app, session, 3)
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        redis_server.stop()
        try:
            with caplog.at_level(logging.WARNING):
                response = await client.get("/rooms/general")
            html = await response.get_data(as_text=True)
        finally:
            redis_server.start()
    assert response.status_code == 200
    assert message_ids_in(html) == [1, 2, 3]
    assert "latest cache unavailable" in caplog.text


ALICE_AND_HANDLE = re.compile(
    r'<bdi class="message-author">Alice</bdi></strong>\s*<span class="author-handle"[^>]*>([^<]+)<'
)


async def test_people_with_one_name_can_be_told_apart_and_names_cannot_flip_text(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    first, second = fake_auth.sign_in("Alice"), fake_auth.sign_in("Alice")
    legacy = fake_auth.sign_in("Mallory \u202e")  # a name from before names were checked
    app = make_chat_app()
    async with app.test_app() as test_app:
        for session in (first, second, legacy):
            await post_directly(app, session, 1)
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", first.token)
        html = await (await client.get("/rooms/general")).get_data(as_text=True)
    handles = re.findall(ALICE_AND_HANDLE, html)
    assert len(handles) == 2 and handles[0] != handles[1], handles
    # The name is isolated: its override cannot reverse the timestamp beside it.
    assert '<bdi class="message-author">Mallory \u202e</bdi>' in html
