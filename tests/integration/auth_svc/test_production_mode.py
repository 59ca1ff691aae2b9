"""auth_svc as production runs it (APP_ENV=production, every secret its own, a NATS with no
development password): HSTS on every page, and cookies that are ``__Host-``, Secure,
HttpOnly and SameSite=Lax. Issue 29 asked for these to be covered end to end."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auth_svc.app import create_app
from auth_svc.settings import AuthSettings
from devstack.processes import ProcessGroup, free_port
from service_kit.messaging.nats_credentials import SERVICE_USERS, SETUP_USER, server_environment
from service_kit.messaging.stream_setup import StreamSetupSettings, declare_streams_and_durables
from service_kit.settings import AppEnv
from tests.support.servers import NatsServer, start_nats

# A letter first: nats-server re-reads the value as configuration (nats_passwords.py).
PASSWORDS = {f"NATS_{user.upper()}_PASSWORD": "n" + secrets.token_hex(32)
             for user in (*SERVICE_USERS, SETUP_USER)}  # fmt: skip


@pytest.fixture
def production_nats(server_group: ProcessGroup, tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS of its own: the shared one knows only the development passwords."""
    server = start_nats(server_group, tmp_path, server_environment(PASSWORDS))
    yield server
    server.stop()


async def test_production_pages_carry_hsts_and_strict_cookies(
    infrastructure_env: dict[str, Any], production_nats: NatsServer
) -> None:
    await declare_streams_and_durables(
        StreamSetupSettings(
            app_env=AppEnv.PRODUCTION,
            nats_url=production_nats.url,
            password=PASSWORDS["NATS_SETUP_PASSWORD"],
        )
    )
    settings = AuthSettings(
        **infrastructure_env
        | {
            "app_env": "production",
            "nats_url": production_nats.url,
            "nats_password": PASSWORDS["NATS_AUTH_PASSWORD"],
            "secret_key": secrets.token_urlsafe(32),
            "link_seal_key": secrets.token_urlsafe(32),
            "service_secret": secrets.token_urlsafe(32),
            "public_url": "https://chat.example/auth",
            "chat_public_url": "https://chat.example",
            "internal_port": free_port(),
        }
    )
    app = create_app(settings)
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/sign-in")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("__Host-auth_csrf="), cookie
    assert {"secure", "httponly", "samesite", "path"} <= attributes and "domain" not in attributes
    assert "SameSite=Lax" in cookie
    session_cookie = app.extensions["QUART_AUTH"][0]
    assert session_cookie.cookie_name == "__Host-auth_session"
    assert session_cookie.cookie_secure and session_cookie.cookie_http_only
    assert session_cookie.cookie_samesite == "Lax"
