"""The stored tokens: only a SHA-256 of each (a token is 256 random bits, so a fast hash is
enough: nothing to guess), its name, owner and times."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from beanie import Document, Indexed

# personal: a person's (/settings/tokens); bot: a bot's key; hook: an incoming webhook's
# secret, bound to its room (chat_svc/bots/).
TokenKind = Literal["personal", "bot", "hook"]


class ApiToken(Document):
    token_id: Indexed(str, unique=True)  # type: ignore[valid-type]
    token_hash: Indexed(str, unique=True)  # type: ignore[valid-type]
    user_id: Indexed(str)  # type: ignore[valid-type]
    name: str
    kind: TokenKind = "personal"
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    class Settings:
        name = "api_tokens"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # what the store keeps


async def insert_token(
    token_id: str, token_hash: str, user_id: str, name: str, kind: TokenKind
) -> ApiToken:
    record = ApiToken(
        token_id=token_id,
        token_hash=token_hash,
        user_id=user_id,
        name=name,
        kind=kind,
        created_at=now(),
    )
    await record.insert()
    return record


async def select_live_token(token_hash: str) -> ApiToken | None:
    return await ApiToken.find_one(
        ApiToken.token_hash == token_hash,
        ApiToken.revoked_at == None,  # noqa: E711
    )


async def select_tokens_of(user_id: str, kind: TokenKind = "personal") -> list[ApiToken]:
    """The person's tokens not revoked, newest first."""
    found = await ApiToken.find(
        ApiToken.user_id == user_id,
        ApiToken.kind == kind,
        ApiToken.revoked_at == None,  # noqa: E711
    ).to_list()
    return sorted(found, key=lambda token: token.created_at, reverse=True)


async def select_live_hashes(user_id: str, token_id: str | None = None) -> list[str]:
    """The hashes of one live token of the person (``token_id``) or of all their personal
    ones."""
    query: dict[str, object] = {"user_id": user_id, "revoked_at": None}
    query |= {"token_id": token_id} if token_id else {"kind": "personal"}
    rows = ApiToken.get_pymongo_collection().find(query, {"token_hash": 1})
    return [str(row["token_hash"]) async for row in rows]


async def mark_revoked(token_hashes: list[str]) -> None:
    await ApiToken.get_pymongo_collection().update_many(
        {"token_hash": {"$in": token_hashes}}, {"$set": {"revoked_at": now()}}
    )


async def note_used(token_hash: str) -> None:
    await ApiToken.get_pymongo_collection().update_one(
        {"token_hash": token_hash}, {"$set": {"last_used_at": now()}}
    )
