"""One cookie parser for every request: pages (through Quart) and the raw-ASGI stream.

Both use werkzeug's parser, which skips a malformed cookie and keeps reading; the stdlib's
``SimpleCookie`` stops at the first one, so a sibling app's odd cookie on the same host would
hide the session from one path and not the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from itsdangerous import URLSafeTimedSerializer
from quart import Quart
from quart.sessions import SecureCookieSessionInterface
from werkzeug.http import parse_cookie

from chat_svc.settings import ChatSettings
from service_kit.serving.request_safety import host_cookie_name

SESSION_COOKIE = "chat_session"
FORM_SESSION_COOKIE = "chat_form_session"  # Quart's session, used only for CSRF tokens
# Set by the page's read-marks.js: this browser reports what was on screen while visible
# (POST /rooms/<slug>/read), so neither opening a page nor a stream's end marks it read.
# Without it (no JavaScript) the page is read when it is served, as before.
READS_COOKIE, READS_FROM_SCREEN = "chat_reads", "screen"


def session_cookie_name(settings: ChatSettings) -> str:
    """``__Host-chat_session`` whenever the cookie is Secure (production, or HTTPS)."""
    return host_cookie_name(SESSION_COOKIE, secure=settings.cookies_secure)


def cookie_header_of(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The request's cookies as one ``Cookie`` header, from raw ASGI headers: HTTP/2 may send
    each cookie in a header of its own (RFC 9113 8.2.3), and all of them count."""
    found = [bytes(value).decode("latin-1") for name, value in headers if name == b"cookie"]
    return "; ".join(found) if found else None


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The first value of cookie ``name`` in a ``Cookie`` header, or None."""
    if not cookie_header:
        return None
    return parse_cookie(cookie_header).get(name) or None


def reads_from_screen(cookie_header: str | None) -> bool:
    return cookie_value(cookie_header, READS_COOKIE) == READS_FROM_SCREEN


class ReusedSignerSessionInterface(SecureCookieSessionInterface):
    """Quart's cookie session, with its signing serializer built once per key instead of
    on every request (py-spy: 6% of the room page's samples). The serializer holds only
    the keys and options, so sharing it changes nothing else."""

    _cached: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Quart) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, super().get_signing_serializer(app))
        return self._cached[1]
