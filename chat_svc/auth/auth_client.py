"""chat_svc's side of auth_svc's internal API (docs/contracts.md), with a short token cache.

Valid answers are kept ``cache_seconds`` so a busy page does not call auth on every request;
a SessionRevoked event drops them at once (``forget_session``). Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

CACHE_PRUNE_THRESHOLD = 10_000
MAX_CONNECTIONS = 64  # to auth_svc, per process
POOL_WAIT_SECONDS = 1.0


class AuthUnavailableError(Exception):
    """auth_svc did not answer, or answered something outside the contract."""


@dataclass(frozen=True)
class Viewer:
    """The person behind a valid chat session."""

    session_id: str
    user_id: str
    email: str
    display_name: str


@dataclass(frozen=True)
class RedeemedSession:
    access_token: str
    viewer: Viewer


def _viewer(body: dict[str, Any]) -> Viewer:
    return Viewer(
        session_id=str(body["session_id"]),
        user_id=str(body["user_id"]),
        email=str(body["email"]),
        display_name=str(body["display_name"]),
    )


@dataclass
class AuthClient:
    http: httpx.AsyncClient
    cache_seconds: float
    _cache: dict[str, tuple[float, Viewer]] = field(default_factory=dict)
    _tokens_by_session: dict[str, set[str]] = field(default_factory=dict)
    _in_flight: dict[str, asyncio.Future[Viewer | None]] = field(default_factory=dict)

    async def _post(self, path: str, payload: dict[str, str]) -> httpx.Response:
        try:
            response = await self.http.post(path, json=payload)
        except httpx.HTTPError as error:
            raise AuthUnavailableError(f"{path}: {type(error).__name__}") from error
        if response.status_code >= 500 or response.status_code == 401:
            # 401 means our service secret is wrong: a configuration error, not the user's.
            raise AuthUnavailableError(f"{path}: HTTP {response.status_code}")
        return response

    async def redeem(self, code: str) -> RedeemedSession | None:
        response = await self._post("/internal/handoff/redeem", {"code": code})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AuthUnavailableError(f"redeem: HTTP {response.status_code}")
        body = response.json()
        session = RedeemedSession(access_token=str(body["access_token"]), viewer=_viewer(body))
        self._remember(session.access_token, session.viewer)
        return session

    async def check(self, token: str) -> Viewer | None:
        cached = self._cache.get(token)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        # Concurrent checks of one token share one call: when every page reconnects at once
        # (a deploy, a network blip) auth sees one call per session, not one per stream.
        pending = self._in_flight.get(token)
        if pending is None:
            pending = asyncio.ensure_future(self._ask_auth(token))
            self._in_flight[token] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(token, None))
        return await asyncio.shield(pending)

    async def _ask_auth(self, token: str) -> Viewer | None:
        response = await self._post("/internal/token-check", {"token": token})
        if response.status_code != 200:
            raise AuthUnavailableError(f"token-check: HTTP {response.status_code}")
        body = response.json()
        if not body.get("valid"):
            self._forget_token(token)
            return None
        viewer = _viewer(body)
        self._remember(token, viewer)
        return viewer

    async def revoke(self, token: str) -> None:
        self._forget_token(token)
        response = await self._post("/internal/sessions/revoke", {"token": token})
        if response.status_code not in (200, 204):
            raise AuthUnavailableError(f"revoke: HTTP {response.status_code}")

    async def revoke_everywhere(self, token: str) -> None:
        """End every session of the token's person; auth's SessionRevoked events then close
        their streams on every replica and drop them from every replica's cache."""
        self._forget_token(token)
        response = await self._post("/internal/sessions/revoke-all", {"token": token})
        if response.status_code not in (200, 204):
            raise AuthUnavailableError(f"revoke-all: HTTP {response.status_code}")

    def forget_session(self, session_id: str) -> None:
        for token in self._tokens_by_session.pop(session_id, set()):
            self._cache.pop(token, None)

    def _remember(self, token: str, viewer: Viewer) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._cache) >= CACHE_PRUNE_THRESHOLD:
            self._prune()
        self._cache[token] = (time.monotonic() + self.cache_seconds, viewer)
        self._tokens_by_session.setdefault(viewer.session_id, set()).add(token)

    def _forget_token(self, token: str) -> None:
        cached = self._cache.pop(token, None)
        if cached is not None:
            tokens = self._tokens_by_session.get(cached[1].session_id)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._tokens_by_session[cached[1].session_id]

    def _prune(self) -> None:
        now = time.monotonic()
        for token in [t for t, (expires, _) in self._cache.items() if expires <= now]:
            self._forget_token(token)


def open_auth_client(
    base_url: str, service_secret: str, cache_seconds: float, timeout: float, **options: Any
) -> AuthClient:
    # A bounded pool with a bounded wait: past MAX_CONNECTIONS calls in flight, a call
    # waits at most POOL_WAIT_SECONDS for one, then answers 503 (AuthUnavailableError).
    http = httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {service_secret}"},
        timeout=httpx.Timeout(timeout, pool=min(timeout, POOL_WAIT_SECONDS)),
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=32),
        **options,
    )
    return AuthClient(http=http, cache_seconds=cache_seconds)
