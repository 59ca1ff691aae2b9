"""The value that binds a sign-in hand-off to the browser that started it (like OAuth's
``state``).

chat_svc puts a fresh state in a short-lived cookie of its own and in the link to auth's
sign-in page; auth carries it through and returns it beside the one-time code; chat only
redeems a code whose state matches its cookie. A code an attacker obtained for himself
is useless in anyone else's browser: their chat has no cookie with his state.

The cookie keeps the last few states, not one: a second tab sent to sign in (or a page's
background request redirected there) must not void the sign-in already typed in the first.
"""

from __future__ import annotations

import hmac
import re
import secrets

STATE_BYTES = 24  # 32 URL-safe characters
STATE_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
PENDING_STATES_KEPT = 4  # sign-ins under way in one browser at once; the oldest goes first
PENDING_SEPARATOR = "."  # never inside a state


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


def pending_states(cookie: str | None) -> list[str]:
    """The well-formed states a cookie holds, newest first."""
    held = (cookie or "").split(PENDING_SEPARATOR)
    return [state for state in held if valid_sign_in_state(state)][:PENDING_STATES_KEPT]


def with_new_state(cookie: str | None, state: str) -> str:
    """The cookie's value once ``state`` is pending too."""
    kept = pending_states(cookie)[: PENDING_STATES_KEPT - 1]
    return PENDING_SEPARATOR.join([state, *kept])


def without_state(cookie: str | None, presented: str | None) -> str | None:
    """The cookie's value once ``presented`` is used (None when no state is left), or the
    value unchanged when ``presented`` is not pending."""
    held = pending_states(cookie)
    left = [state for state in held if not states_match(presented, state)]
    if len(left) == len(held):
        return cookie
    return PENDING_SEPARATOR.join(left) or None


def state_is_pending(presented: str | None, cookie: str | None) -> bool:
    # Every state is compared, in constant time each, so the answer's timing says nothing.
    matches = [states_match(presented, state) for state in pending_states(cookie)]
    return any(matches)
