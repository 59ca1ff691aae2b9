"""One cookie parser for every request: pages (through Quart) and the raw-ASGI stream.

Both use werkzeug's parser, which skips a malformed cookie and keeps reading; the stdlib's
``SimpleCookie`` stops at the first one, so a sibling app's odd cookie on the same host would
hide the session from one path and not the other.
"""

from __future__ import annotations

from werkzeug.http import parse_cookie

SESSION_COOKIE = "chat_session"


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The first value of cookie ``name`` in a ``Cookie`` header, or None."""
    if not cookie_header:
        return None
    return parse_cookie(cookie_header).get(name) or None
