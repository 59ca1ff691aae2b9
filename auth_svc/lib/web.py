"""Small web helpers shared by auth_svc's blueprints."""

from __future__ import annotations

from typing import Any

from quart import Response, current_app, request, session
from quart_auth import current_user
from quart_rate_limiter import RateLimitExceeded

from auth_svc.lib.attempt_limits import AttemptLimiter
from auth_svc.lib.outbox_relay import OutboxRelay
from auth_svc.lib.passwords import PasswordHashing
from auth_svc.lib.sign_in_gate import SignInGate
from auth_svc.settings import AttemptLimit, AuthSettings
from service_kit.lifecycle import infrastructure_of
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import is_htmx

RELAY_KEY = "outbox_relay"
HASHING_KEY = "password_hashing"


def settings() -> AuthSettings:
    value: AuthSettings = current_app.extensions["settings"]
    return value


def relay() -> OutboxRelay:
    value: OutboxRelay = current_app.extensions[RELAY_KEY]
    return value


def hashing() -> PasswordHashing:
    value: PasswordHashing = current_app.extensions[HASHING_KEY]
    return value


def attempt_limiter() -> AttemptLimiter:
    return AttemptLimiter(infrastructure_of(current_app).redis)


def sign_in_gate(settings: AuthSettings) -> SignInGate:
    redis = infrastructure_of(current_app).redis
    return SignInGate(redis, settings.sign_in_per_ip, settings.rate_limit_window)


async def refuse_if_limited(limit: AttemptLimit, account: str) -> None:
    """Raise the 429 (rendered by the app's handler) when this pair or account is at its limit."""
    refuse_for(await attempt_limiter().retry_after(limit, account, client_address()))


def refuse_for(retry_after: int | None) -> None:
    """The 429 (rendered by the app's handler) when there is a wait; nothing otherwise."""
    if retry_after is not None:
        raise RateLimitExceeded(retry_after)


def redirect_after_post(location: str) -> Response:
    """303 for a plain form post; HX-Redirect (a full page load) for HTMX."""
    if is_htmx():
        response = Response("", status=200)
        response.headers["HX-Redirect"] = location
        return response
    response = Response("", status=303)
    response.headers["Location"] = location
    return response


def client_address() -> str:
    return request.remote_addr or "unknown"


def cookie_token() -> str | None:
    """The access token in auth's own cookie (signature checked by quart-auth)."""
    return current_user.auth_id


def no_store(response: Response) -> Response:
    """Pages that carry a token in their URL: keep it out of caches and Referer headers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def whole_page_error(status: int, message: str, template: str, **context: Any) -> Response:
    """An error page; under HTMX it replaces the whole page, not just the form: htmx puts
    the response's body into ``<body>`` and takes its ``<title>``, so the heading and title
    say what happened (swapping only ``<main>`` left the form page's heading above it)."""
    body, status = await render_error(status, message, template=template, **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    if is_htmx():
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


# The address a sign-up or reset link went to, for "Check your inbox" to name it (a typo
# shows there). Kept in Quart's signed session cookie, never in a URL (logs, history).
INBOX_KEY = "inbox"


def remember_inbox(email: str) -> None:
    session[INBOX_KEY] = email
