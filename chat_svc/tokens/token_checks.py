"""Issuing, checking and revoking tokens. Every replica checks a token against Valkey
(then the store on a miss), never a cache of its own, so a revocation holds on every
replica the moment it is written.

A revocation leaves a tombstone in place of the cached answer, and answers are cached
with SET NX: a check that read the store just before the revocation cannot put the token
back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.auth.auth_client import Viewer
from chat_svc.people_directory.person_lookup import find_person
from chat_svc.tokens.token_records import (
    ApiToken,
    TokenKind,
    hash_token,
    insert_token,
    mark_revoked,
    note_used,
    select_live_hashes,
    select_live_token,
)

log = logging.getLogger(__name__)

TOKEN_PREFIX = "chat_"  # noqa: S105 (a prefix that tells tokens apart, not a secret)
CACHE_SECONDS = 300
TOMBSTONE_SECONDS = 900  # longer than any check that read the store before a revocation
LAST_USED_EVERY_SECONDS = 60  # last-used times are written at most this often per token
REVOKED = b"revoked"
CACHE_ERRORS = (RedisError, OSError)


def cache_key(token_hash: str) -> str:
    return f"chat:api-token:{token_hash}"


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    record: ApiToken


@dataclass(frozen=True)
class ApiTokens:
    redis: Redis
    # Store reads under way, by hash: a burst with one token (a webhook flood, a script's
    # first requests at once) reads the store once, not once per request.
    _reading: dict[str, asyncio.Future[Viewer | None]] = field(default_factory=dict)

    async def issue(
        self, user_id: str, name: str, kind: TokenKind = "personal", bound_to: str = ""
    ) -> IssuedToken:
        """A new token; ``bound_to`` (a hook's room) must be given again to use it."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_hash = hash_token(token + bound_to)
        record = await insert_token(secrets.token_hex(8), token_hash, user_id, name, kind)
        log.info("api token issued", extra={"user_id": user_id, "token_id": record.token_id})
        return IssuedToken(token, record)

    async def holder_of(self, token: str, bound_to: str = "") -> Viewer | None:
        """The person (or bot) behind a live token; None for any other string."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        token_hash = hash_token(token + bound_to)
        try:
            cached = await self.redis.get(cache_key(token_hash))
        except CACHE_ERRORS as error:
            log.warning("token cache unavailable, reading the store: %s", error)
            return await self._from_store(token_hash, cache=False)
        if cached == REVOKED:
            return None
        if cached is not None:
            found = json.loads(cached)
            viewer = Viewer(**found)
        else:
            viewer_or_none = await self._from_store_once(token_hash)
            if viewer_or_none is None:
                return None
            viewer = viewer_or_none
        await self._note_use(token_hash)
        return viewer

    async def _from_store_once(self, token_hash: str) -> Viewer | None:
        reading = self._reading.get(token_hash)
        if reading is None:
            reading = asyncio.ensure_future(self._from_store(token_hash, cache=True))
            self._reading[token_hash] = reading
            reading.add_done_callback(lambda _: self._reading.pop(token_hash, None))
        return await asyncio.shield(reading)

    async def _from_store(self, token_hash: str, *, cache: bool) -> Viewer | None:
        record = await select_live_token(token_hash)
        user = await find_person(record.user_id) if record is not None else None
        # Deactivated: refused from the moment the card says so, before the revocation
        # (person_revocations.py) reaches this token.
        if record is None or user is None or user.deactivated:
            return None
        viewer = Viewer(
            session_id=f"token:{record.token_id}",
            user_id=user.user_id,
            email=user.email,
            display_name=user.display_name,
        )
        if cache:
            payload = json.dumps(viewer.__dict__)
            await self.redis.set(cache_key(token_hash), payload, ex=CACHE_SECONDS, nx=True)
        return viewer

    async def _note_use(self, token_hash: str) -> None:
        try:
            first = await self.redis.set(
                f"{cache_key(token_hash)}:used", b"1", ex=LAST_USED_EVERY_SECONDS, nx=True
            )
        except CACHE_ERRORS:
            return
        if first:
            await note_used(token_hash)

    async def revoke(self, user_id: str, token_id: str | None = None) -> int:
        """One of the person's tokens, or (``token_id`` None) every personal one; how many.
        Tombstones first: if Valkey fails, nothing is marked and a retry finds them again."""
        hashes = await select_live_hashes(user_id, token_id)
        if not hashes:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for token_hash in hashes:
                pipe.set(cache_key(token_hash), REVOKED, ex=TOMBSTONE_SECONDS)
            await pipe.execute()
        await mark_revoked(hashes)
        log.info("api tokens revoked", extra={"user_id": user_id, "count": len(hashes)})
        return len(hashes)
