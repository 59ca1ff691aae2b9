"""Arriving from auth_svc with a hand-off code, and users copied from UserCreated."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext

from chat_svc.lib.runtime import runtime_of
from chat_svc.models.users import count_users, select_user
from service_kit.events import UserCreated
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth


async def test_a_hand_off_code_becomes_the_chat_session_cookie(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    code = fake_auth.hand_off_code(session)
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        response = await client.get(f"/session/start?code={code}&next=/messages?before=3")
        cookie = response.headers["Set-Cookie"]
        assert response.status_code == 303
        assert response.headers["Location"] == "/messages?before=3"
        assert cookie.startswith(f"chat_session={session.token};")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert (await client.get("/rooms/general")).status_code == 200
        reused = await test_app.test_client().get(f"/session/start?code={code}")
    assert reused.status_code == 400
    assert "expired or was already used" in await reused.get_data(as_text=True)


async def test_a_next_path_to_another_site_is_ignored(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        for unsafe in ("//evil.test/x", "https://evil.test/", "/\\evil.test"):
            code = fake_auth.hand_off_code(session)
            response = await client.get(
                "/session/start", query_string={"code": code, "next": unsafe}
            )
            assert response.headers["Location"] == "/"


async def test_user_created_delivered_twice_leaves_one_user(
    make_chat_app: AppFactory, jetstream: JetStreamContext
) -> None:
    app = make_chat_app()
    async with app.test_app():
        consumer = runtime_of(app).consumer
        event = UserCreated(user_id="user-42", email="ada@example.com", display_name="Ada")
        # The same event twice under two message ids: the stream cannot dedupe it.
        for copy in ("first", "second"):
            await jetstream.publish(
                event.SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": f"{event.id}-{copy}"}
            )
        async with asyncio.timeout(15):  # a safety net, not a timed assertion
            while consumer.stats.handled < 2:
                await asyncio.sleep(0.02)
        assert await count_users("user-42") == 1
        user = await select_user("user-42")
        assert user is not None and user.display_name == "Ada"
