"""auth_svc's pages are never stored; over HTTPS its cookies are ``__Host-`` cookies."""

from __future__ import annotations

from typing import Any

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings


async def test_pages_are_not_stored_and_https_cookies_take_the_host_prefix(
    infrastructure_env: dict[str, Any],
) -> None:
    app = create_app(AuthSettings(**infrastructure_env, public_url="https://auth.example"))
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/sign-in")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "camera=()" in response.headers["Permissions-Policy"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-auth_csrf="), cookie
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert app.extensions["QUART_AUTH"][0].cookie_name == "__Host-auth_session"
