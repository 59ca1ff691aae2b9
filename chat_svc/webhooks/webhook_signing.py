"""How each delivery is signed: HMAC-SHA256, with the bot's signing secret, over
``<timestamp>.<body>``; sent as ``X-Chat-Timestamp`` (Unix seconds) and
``X-Chat-Signature: sha256=<hex>``. A receiver checks the signature and refuses an old
timestamp (a replayed delivery). docs/webhooks.md has the verification snippet."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Chat-Signature"
TIMESTAMP_HEADER = "X-Chat-Timestamp"


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
