"""Signed-in pages are never stored; over HTTPS the session cookie is a ``__Host-`` cookie."""

from __future__ import annotations

from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, sign_in_state
from tests.integration.chat_svc.fake_auth import FakeAuth


async def test_signed_in_pages_and_fragments_are_not_stored(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        for path, headers in (
            ("/rooms/general", {}),
            ("/rooms/general", {"HX-Request": "true"}),
            ("/messages?before=5", {"HX-Request": "true"}),
        ):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == "no-store", (path, headers)
            assert "camera=()" in response.headers["Permissions-Policy"]


async def test_over_https_the_session_cookie_is_a_host_cookie_read_by_pages_and_stream(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    app = make_chat_app(public_url="https://chat.example")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        state = await sign_in_state(client)
        code = fake_auth.hand_off_code(session)
        started = await client.get(
            "/session/start", query_string={"code": code, "state": state}, scheme="https"
        )
        assert started.status_code == 303
        cookie = started.headers["Set-Cookie"]
        assert cookie.startswith("__Host-chat_session="), cookie
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert services_of(app).settings.public_url == "https://chat.example"
        page = await client.get(
            "/rooms/general", headers={"Cookie": f"__Host-chat_session={session.token}"}
        )
        assert page.status_code == 200
