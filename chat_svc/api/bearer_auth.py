"""Who calls the API: ``Authorization: Bearer <token>`` only (chat_svc/tokens/). Cookies
never authenticate /api/, so a page's session cannot be ridden cross-site: no CSRF surface."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from quart import g, request

from chat_svc.api.problems import ApiProblem
from chat_svc.auth.auth_client import Viewer
from chat_svc.tokens.token_runtime import tokens_of

P = ParamSpec("P")
R = TypeVar("R")


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def api_caller(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """401 unless the request carries a live token; the holder becomes this request's viewer
    (what the rate limits key on: web/rate_limits.py reads ``g.viewer`` first)."""

    @wraps(view)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        holder = await token_holder()
        if holder is None:
            raise ApiProblem(401, detail="Send Authorization: Bearer <token>, a live token.")
        g.viewer = holder
        return await view(*args, **kwargs)

    return guarded


async def token_holder() -> Viewer | None:
    """The token's holder, checked once per request (the rate limiter asks first)."""
    if "api_holder" not in g:
        token = bearer_token()
        g.api_holder = await tokens_of().holder_of(token) if token else None
    holder: Viewer | None = g.api_holder
    return holder


async def api_rate_key() -> str:
    """Rate limits count per token holder (never per cookie: cookies mean nothing here)."""
    holder = await token_holder()
    return f"user:{holder.user_id}" if holder is not None else f"ip:{request.remote_addr}"


def caller() -> Viewer:
    viewer: Viewer = g.viewer
    return viewer
