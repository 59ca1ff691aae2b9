"""Headers every dynamic response carries, HSTS in production, ``__Host-`` cookie names."""

from pathlib import Path

from quart import Quart
from quart.typing import ResponseReturnValue

from service_kit.serving.request_safety import host_cookie_name, install_security_headers
from service_kit.serving.web import create_base_app, render_page

TEMPLATES = Path(__file__).parent / "templates"


def sample_app(*, hsts: bool) -> Quart:
    app = create_base_app("sample_svc.app", TEMPLATES)
    install_security_headers(app, hsts=hsts)

    @app.get("/")
    async def page() -> ResponseReturnValue:
        return await render_page("sample_page.html", block="greeting")

    return app


async def test_pages_and_fragments_are_never_stored_and_powerful_features_are_off() -> None:
    client = sample_app(hsts=False).test_client()
    for headers in ({}, {"HX-Request": "true"}):
        response = await client.get("/", headers=headers)
        assert response.headers["Cache-Control"] == "no-store", headers
        policy = response.headers["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


async def test_hsts_only_when_asked_for_production() -> None:
    production = await sample_app(hsts=True).test_client().get("/")
    assert production.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    development = await sample_app(hsts=False).test_client().get("/")
    assert "Strict-Transport-Security" not in development.headers


def test_secure_cookies_take_the_host_prefix() -> None:
    assert host_cookie_name("chat_session", secure=True) == "__Host-chat_session"
    assert host_cookie_name("chat_session", secure=False) == "chat_session"
