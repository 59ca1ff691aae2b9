"""The VAPID key pair that signs every push (RFC 8292), through py-vapid.

The private key comes from ``WEB_PUSH_VAPID_PRIVATE_KEY`` (base64url of the raw 32 bytes,
or of DER); the public key, which browsers subscribe with, is derived from it. `./run dev`
makes one and keeps it under .devstack/ (devstack/web_push_key.py). Outside production an
empty setting derives the key from the service's secret key, so the replicas of a test
still sign with one key (the room page is the same on each). Production refuses to start
without its own key (settings.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

TOKEN_SECONDS = 12 * 3600  # RFC 8292: at most 24 hours
REUSE_MARGIN_SECONDS = 3600


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_private_key() -> str:
    """A fresh key in the form the setting takes (base64url of the raw 32 bytes)."""
    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return b64url(number.to_bytes(32, "big"))


@dataclass(frozen=True)
class VapidKeys:
    signer: Vapid02
    public_key: str  # base64url of the uncompressed point: the applicationServerKey
    contact: str
    # One signed token per push service, reused until close to expiry (a signature per push
    # was a third of a push's CPU).
    _tokens: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)

    def headers_for(self, endpoint: str) -> dict[str, str]:
        """The Authorization header for one push service (the JWT's audience is its origin)."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._tokens.get(audience)
        if cached is not None and cached[0] - now > REUSE_MARGIN_SECONDS:
            return cached[1]
        expires = int(now) + TOKEN_SECONDS
        claims = {"aud": audience, "exp": expires, "sub": self.contact}
        headers = {str(k): str(v) for k, v in self.signer.sign(claims).items()}
        self._tokens[audience] = (expires, headers)
        return headers


# The order of P-256's group: a private key is a number in [1, n - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def dev_private_key(secret_key: str) -> str:
    """A key derived from the (dev) secret key: stable across replicas and restarts."""
    digest = hmac.new(secret_key.encode(), b"web-push-vapid", hashlib.sha256).digest()
    number = int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1
    return b64url(number.to_bytes(32, "big"))


def load_vapid_keys(private_key: str, contact: str, secret_key: str) -> VapidKeys:
    """``private_key`` empty (never in production: settings.py): derived from ``secret_key``."""
    private_key = private_key or dev_private_key(secret_key)
    signer = Vapid02.from_string(private_key)
    point = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(signer, b64url(point), contact)
