"""chat_svc's side of auth_svc's internal API (docs/contracts.md), with a short token cache.

Valid answers are kept ``cache_seconds`` so a busy page does not call auth on every request;
a SessionRevoked event drops them at once (``forget_session``). Tokens are never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from async_lru import alru_cache

log = logging.getLogger(__name__)

CACHE_SIZE = 10_000  # tokens kept, the least recently checked dropped first
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


class _InvalidTokenError(LookupError):
    """Raised rather than returned: alru_cache keeps answers, never errors, so a token auth
    refused is asked about again (it is not kept for ``cache_seconds``)."""


def _token_key(token: str, known: Viewer | None = None) -> str:
    return token


@dataclass
class AuthClient:
    http: httpx.AsyncClient
    cache_seconds: float
    _tokens_by_session: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Valid answers are kept ``cache_seconds`` (0: none is kept once it is done), and
        # concurrent checks of one token share one call: when every page reconnects at once
        # (a deploy, a network blip) auth sees one call per session, not one per stream.
        self._viewers = alru_cache(
            maxsize=CACHE_SIZE, ttl=max(self.cache_seconds, 0.0), key=_token_key
        )(self._valid_viewer)

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
        # Kept like a checked token's: the page the hand-off leads to does not ask again.
        await self._viewers(session.access_token, session.viewer)
        return session

    async def check(self, token: str) -> Viewer | None:
        try:
            return await self._viewers(token)
        except _InvalidTokenError:
            return None

    async def _valid_viewer(self, token: str, known: Viewer | None = None) -> Viewer:
        """The viewer behind ``token`` (``known``: redeem's answer, kept without asking)."""
        viewer = known if known is not None else await self._ask_auth(token)
        if len(self._tokens_by_session) >= CACHE_SIZE:
            self._prune()
        self._tokens_by_session.setdefault(viewer.session_id, set()).add(token)
        return viewer

    async def _ask_auth(self, token: str) -> Viewer:
        response = await self._post("/internal/token-check", {"token": token})
        if response.status_code != 200:
            raise AuthUnavailableError(f"token-check: HTTP {response.status_code}")
        body = response.json()
        if not body.get("valid"):
            raise _InvalidTokenError
        return _viewer(body)

    async def revoke(self, token: str) -> None:
        self._viewers.cache_invalidate(token)
        response = await self._post("/internal/sessions/revoke", {"token": token})
        if response.status_code not in (200, 204):
            raise AuthUnavailableError(f"revoke: HTTP {response.status_code}")

    async def revoke_everywhere(self, token: str) -> None:
        """End every session of the token's person; auth's SessionRevoked events then close
        their streams on every replica and drop them from every replica's cache."""
        self._viewers.cache_invalidate(token)
        response = await self._post("/internal/sessions/revoke-all", {"token": token})
        if response.status_code not in (200, 204):
            raise AuthUnavailableError(f"revoke-all: HTTP {response.status_code}")

    def forget_session(self, session_id: str) -> None:
        for token in self._tokens_by_session.pop(session_id, set()):
            self._viewers.cache_invalidate(token)

    def _prune(self) -> None:
        """Drop the tokens the cache no longer holds (expired or pushed out)."""
        kept = {
            session: {token for token in tokens if self._viewers.cache_contains(token)}
            for session, tokens in self._tokens_by_session.items()
        }
        self._tokens_by_session = {session: tokens for session, tokens in kept.items() if tokens}


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
