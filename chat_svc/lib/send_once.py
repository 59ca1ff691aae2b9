"""One message per draft: a retried send (a timeout, a reconnect, a double click) is stored
once and answered as the first send was.

The page puts a random ``client_id`` in each fresh message form. The first POST carrying
it claims ``send-once:<user>:<client_id>`` in Redis with SET NX (FerretDB has no atomic
conditional update); later POSTs with the same key store nothing. The claim lives a few
minutes: long enough for any retry a page makes, short enough to need no clean-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from redis.asyncio import Redis

CLAIM_SECONDS = 600
PENDING = "pending"
# What the form sends: a UUID from the server (or the browser's crypto.randomUUID()).
CLIENT_ID = re.compile(r"[0-9a-fA-F-]{16,64}")


@dataclass(frozen=True)
class SendClaim:
    """The outcome of claiming a draft: ``first`` is True for the send that stores it;
    ``message_id`` is the stored message's id for a repeat (None while the first is still
    under way)."""

    first: bool
    message_id: int | None = None


def _key(user_id: str, client_id: str) -> str:
    return f"send-once:{user_id}:{client_id}"


def valid_client_id(value: str | None) -> str | None:
    """The key as sent, or None (no key, or not one we made: then no de-duplication)."""
    return value if value and CLIENT_ID.fullmatch(value) else None


async def claim_send(redis: Redis, user_id: str, client_id: str) -> SendClaim:
    if await redis.set(_key(user_id, client_id), PENDING, nx=True, ex=CLAIM_SECONDS):
        return SendClaim(first=True)
    stored = await redis.get(_key(user_id, client_id))
    text = stored.decode() if isinstance(stored, bytes) else stored
    return SendClaim(first=False, message_id=int(text) if text and text.isdigit() else None)


async def record_sent(redis: Redis, user_id: str, client_id: str, message_id: int) -> None:
    await redis.set(_key(user_id, client_id), str(message_id), ex=CLAIM_SECONDS)


async def release_send(redis: Redis, user_id: str, client_id: str) -> None:
    """The first send failed before storing: a retry may store it."""
    await redis.delete(_key(user_id, client_id))
