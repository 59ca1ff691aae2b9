"""One encrypted push to one device: pywebpush encrypts (aes128gcm, RFC 8291), py-vapid
signs (RFC 8292), httpx sends, with one connection pool per push service (origin).

The endpoint is checked by the outbound filter before every send, not only when it was
registered: a name can come to resolve inside our network later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

import httpx
from pywebpush import WebPusher

from chat_svc.push.devices.subscriptions import PushSubscription
from chat_svc.push.sending.vapid_keys import VapidKeys
from service_kit.outbound.public_targets import (
    RefusedTargetError,
    TargetPolicy,
    check_public_url,
)

log = logging.getLogger(__name__)

TTL_SECONDS = 3600  # a push not delivered within an hour is stale news
POOL_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)


class Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # 404/410: the subscription is dead, delete it
    RETRY = "retry"  # 429/5xx/network: try again later
    REFUSED = "refused"  # 4xx other, or the filter refused the endpoint: give up


@dataclass
class PushDelivery:
    keys: VapidKeys
    policy: TargetPolicy
    timeout_seconds: float = 10.0
    _pools: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def _pool_for(self, endpoint: str) -> httpx.AsyncClient:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        pool = self._pools.get(origin)
        if pool is None:
            pool = httpx.AsyncClient(
                limits=POOL_LIMITS, timeout=self.timeout_seconds, follow_redirects=False
            )
            self._pools[origin] = pool
        return pool

    async def send(self, subscription: PushSubscription, payload: bytes) -> Outcome:
        try:
            await check_public_url(subscription.endpoint, self.policy)
        except RefusedTargetError as refused:
            log.warning("push endpoint refused: %s", refused, extra={"push": subscription.id})
            return Outcome.REFUSED
        # A fraction of a millisecond of ECDH and AES: a thread hop would cost as much.
        body = _encrypted(subscription, payload)
        headers = self.keys.headers_for(subscription.endpoint) | {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "high",
        }
        try:
            response = await self._pool_for(subscription.endpoint).post(
                subscription.endpoint, content=body, headers=headers
            )
        except httpx.HTTPError as error:
            log.warning("push not sent: %s", error, extra={"push": subscription.id})
            return Outcome.RETRY
        return outcome_of(response.status_code)

    async def close(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def outcome_of(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE
    if status == 429 or status >= 500:
        return Outcome.RETRY
    return Outcome.REFUSED


def _encrypted(subscription: PushSubscription, payload: bytes) -> bytes:
    encoded = WebPusher(subscription.as_subscription_info()).encode(payload, "aes128gcm")
    body: bytes = encoded["body"]
    return body
