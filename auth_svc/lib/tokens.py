"""Opaque random tokens: handed out once, stored only as a SHA-256 hash.

The tokens carry 256 bits from ``secrets``, so a fast hash is enough to store them: nobody
can guess a preimage, and lookups by hash stay cheap (no argon2 on the token-check path).
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
