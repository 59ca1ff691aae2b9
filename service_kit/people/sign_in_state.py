"""The value that binds a sign-in hand-off to the browser that started it (like OAuth's
``state``).

chat_svc puts a fresh state in a short-lived cookie of its own and in the link to auth's
sign-in page; auth carries it through and returns it beside the one-time code; chat only
redeems a code whose state matches its cookie. A code an attacker obtained for himself
is useless in anyone else's browser: their chat has no cookie with his state.
"""

from __future__ import annotations

import hmac
import re
import secrets

STATE_BYTES = 24  # 32 URL-safe characters
STATE_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_sign_in_state() -> str:
    return secrets.token_urlsafe(STATE_BYTES)


def valid_sign_in_state(candidate: str | None) -> str | None:
    """The state if it is one of ours in shape, else None."""
    if candidate and STATE_PATTERN.fullmatch(candidate):
        return candidate
    return None


def states_match(presented: str | None, expected: str | None) -> bool:
    presented, expected = valid_sign_in_state(presented), valid_sign_in_state(expected)
    if presented is None or expected is None:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())
