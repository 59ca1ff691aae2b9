"""A push service on loopback, as browsers' vendors run them (RFC 8030), for the tests:
each device the test makes has its own keys; a push is accepted only with a VAPID JWT
(RFC 8292) for this origin, not expired, signed by the page's public key, and its body is
decrypted (aes128gcm, RFC 8291) with the device's private key by http_ece."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.support.in_process import request_body, uvicorn_serving

# An answer the test can queue: the request is held, as if in flight, until the sender is
# gone (the test crashes it meanwhile), then dropped unread: it never reached the device.
HOLD = -1
HOLD_SECONDS = 3.0


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Device:
    """A browser's subscription: the test holds the private half."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }


@dataclass
class PushService:
    origin: str
    vapid_public_key: str  # what the room page's meta tag says
    devices: dict[str, Device] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answers: dict[str, list[int]] = field(default_factory=dict)  # statuses to give, in turn
    attempts: dict[str, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    def device(self, name: str) -> Device:
        device = Device(name, f"{self.origin}/push/{name}")
        self.devices[name] = device
        return device

    async def wait_for(
        self, name: str, count: int = 1, timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.received.get(name, [])) < count:
                await asyncio.sleep(0.05)
        return self.received[name]

    def check_vapid(self, authorization: str) -> str | None:
        """Why the Authorization header is not a valid VAPID one for us, or None."""
        scheme, _, rest = authorization.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        if scheme.lower() != "vapid" or parts.get("k") != self.vapid_public_key:
            return "not signed with the page's key"
        header, claims, signature = parts["t"].split(".")
        raw = b64url_decode(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(self.vapid_public_key)
        )
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        try:
            public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        body = json.loads(b64url_decode(claims))
        if body.get("aud") != self.origin:
            return f"wrong audience {body.get('aud')}"
        if not time.time() < body["exp"] <= time.time() + 24 * 3600:
            return "expired or too long"
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        name = scope["path"].rsplit("/", 1)[-1]
        body = await request_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.attempts[name] = self.attempts.get(name, 0) + 1
        queued = self.answers.get(name)
        if queued and queued[0] == HOLD:
            queued.pop(0)
            await asyncio.sleep(HOLD_SECONDS)
            status = 503
        else:
            status = self._answer(name, headers, body)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _answer(self, name: str, headers: dict[str, str], body: bytes) -> int:
        device = self.devices.get(name)
        problem = self.check_vapid(headers.get("authorization", ""))
        if device is None or problem or headers.get("content-encoding") != "aes128gcm":
            self.refusals.append(problem or "unknown device or encoding")
            return 400
        queued = self.answers.get(name, [])
        if queued:
            status = queued.pop(0)
            if status >= 300:
                return status
        plain = http_ece.decrypt(
            body,
            private_key=device.private_key,
            auth_secret=device.auth_secret,
            version="aes128gcm",
        )
        self.received.setdefault(name, []).append(json.loads(plain) | {"at": time.time()})
        return 201


@asynccontextmanager
async def push_service_running(vapid_public_key: str) -> AsyncIterator[PushService]:
    service = PushService("", vapid_public_key)
    async with uvicorn_serving(service, lifespan="off") as (port, _):
        service.origin = f"http://127.0.0.1:{port}"
        yield service
