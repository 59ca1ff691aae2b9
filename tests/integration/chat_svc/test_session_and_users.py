"""Arriving from auth_svc with a hand-off code, and users copied from UserCreated."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from nats.js import JetStreamContext

from chat_svc.models.users import count_users, select_user
from chat_svc.runtime import runtime_of
from service_kit.events import UserCreated
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, sign_in_state
from tests.integration.chat_svc.fake_auth import FakeAuth


async def test_a_hand_off_code_becomes_the_chat_session_cookie(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    code = fake_auth.hand_off_code(session)
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        state = await sign_in_state(client)
        response = await client.get(
            "/session/start",
            query_string={"code": code, "state": state, "next": "/messages?before=3"},
        )
        cookie = response.headers["Set-Cookie"]
        assert response.status_code == 303
        assert response.headers["Location"] == "/messages?before=3"
        assert cookie.startswith(f"chat_session={session.token};")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert (await client.get("/rooms/general")).status_code == 200
        state = await sign_in_state(client)
        reused = await client.get(f"/session/start?code={code}&state={state}")
    assert reused.status_code == 400
    assert "expired or was already used" in await reused.get_data(as_text=True)


async def test_a_next_path_to_another_site_is_ignored(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        for unsafe in ("//evil.test/x", "https://evil.test/", "/\\evil.test", "/\t/evil.test"):
            code = fake_auth.hand_off_code(session)
            state = await sign_in_state(client, unsafe)
            response = await client.get(
                "/session/start", query_string={"code": code, "state": state, "next": unsafe}
            )
            assert response.headers["Location"] == "/"


async def test_user_created_delivered_twice_leaves_one_user(
    make_chat_app: AppFactory, jetstream: JetStreamContext
) -> None:
    app = make_chat_app()
    async with app.test_app():
        consumer = runtime_of(app).consumer
        # Issue 29 item 2: one address normaliser in every service (auth's, in service_kit).
        event = UserCreated(user_id="user-42", email="Ada@Exämple.com", display_name="Ada")
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
        assert user.email == "ada@xn--exmple-cua.com"


async def test_a_hand_off_code_from_another_browser_is_refused(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """Login CSRF: an attacker's code, sent to a victim, must not sign the victim in."""
    attacker = fake_auth.sign_in("Mallory")
    async with make_chat_app(auth_public_url="http://auth.test").test_app() as test_app:
        # The attacker's own browser started the sign-in: his state is bound to his cookie.
        attacker_browser = test_app.test_client()
        started = await attacker_browser.get("/sign-in?next=/")
        assert started.status_code == 303
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        code = fake_auth.hand_off_code(attacker)

        victim = test_app.test_client()
        await victim.get("/sign-in?next=/")  # the victim may have a sign-in of her own going
        refused = await victim.get(f"/session/start?code={code}&state={state}&next=/")
        assert refused.status_code == 400
        assert "chat_session" not in refused.headers.get("Set-Cookie", "")
        assert "started in another browser" in await refused.get_data(as_text=True)
        no_state = await test_app.test_client().get(f"/session/start?code={code}")
        assert no_state.status_code == 400
        assert code in fake_auth.codes  # not spent by the refusals

        # The browser that started it gets in.
        arrived = await attacker_browser.get(f"/session/start?code={code}&state={state}&next=/")
        assert arrived.status_code == 303
        cookies = arrived.headers.getlist("Set-Cookie")
        assert any(cookie.startswith(f"chat_session={attacker.token};") for cookie in cookies)


async def test_a_sign_in_started_in_a_second_tab_leaves_the_first_one_valid(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """Two tabs sent to sign in (or a page's background request redirected there) must not
    void the sign-in typed in the first: each pending state is redeemed once."""
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        browser = test_app.test_client()
        first_tab, second_tab = await sign_in_state(browser), await sign_in_state(browser)
        first = fake_auth.hand_off_code(session)
        arrived = await browser.get(f"/session/start?code={first}&state={first_tab}&next=/")
        assert arrived.status_code == 303
        assert "chat_session" in " ".join(arrived.headers.getlist("Set-Cookie"))
        again = await browser.get(f"/session/start?code={first}&state={first_tab}&next=/")
        assert "started in another browser" in await again.get_data(as_text=True)
        second = fake_auth.hand_off_code(session)
        later = await browser.get(f"/session/start?code={second}&state={second_tab}&next=/")
        assert later.status_code == 303


async def test_sign_out_ends_the_form_session_and_other_sites_cannot_post(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", ada.token)
        token = csrf_token_in(await (await client.get("/rooms/general")).get_data(as_text=True))
        foreign = await client.post(
            "/messages",
            form={"csrf_token": token, "body": "hi"},
            headers={"Origin": "http://evil.example"},
        )
        assert foreign.status_code == 403
        signed_out = await client.post("/sign-out", form={"csrf_token": token})
        assert signed_out.status_code == 303
        # Signed in again (as anyone) in this browser: the old page's token is void.
        client.set_cookie("localhost", "chat_session", fake_auth.sign_in("Bob").token)
        stale = await client.post("/messages", form={"csrf_token": token, "body": "hi"})
        assert stale.status_code == 422
