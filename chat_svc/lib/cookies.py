"""One cookie parser for every request: pages (through Quart) and the raw-ASGI stream.

Both use werkzeug's parser, which skips a malformed cookie and keeps reading; the stdlib's
``SimpleCookie`` stops at the first one, so a sibling app's odd cookie on the same host would
hide the session from one path and not the other.
"""

from __future__ import annotations

from werkzeug.http import parse_cookie

from chat_svc.settings import ChatSettings
from service_kit.web import host_cookie_name

SESSION_COOKIE = "chat_session"
FORM_SESSION_COOKIE = "chat_form_session"  # Quart's session, used only for CSRF tokens


def session_cookie_name(settings: ChatSettings) -> str:
    """``__Host-chat_session`` whenever the cookie is Secure (production, or HTTPS)."""
    return host_cookie_name(SESSION_COOKIE, secure=settings.cookies_secure)


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The first value of cookie ``name`` in a ``Cookie`` header, or None."""
    if not cookie_header:
        return None
    return parse_cookie(cookie_header).get(name) or None
