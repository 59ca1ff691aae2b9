"""One payload to each of some people's devices, at most once per (push, device) across
redeliveries and restarts, with bounded concurrency.

Each (push key, device) is claimed in Redis before the send ("sending" with its time) and
marked "sent" after. A redelivery skips what was sent; a claim left by a sender that died
mid-send is taken over after ``STALE_CLAIM_SECONDS`` (that one push may then arrive
twice: the price of never losing it). 404/410 delete the subscription; 429/5xx release the
claim and ask for the event again later (the consumer's backoff).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from chat_svc.push.devices.subscriptions import (
    PushSubscription,
    delete_subscription,
    mark_success,
    select_subscriptions_of,
)
from chat_svc.push.sending.delivery import Outcome, PushDelivery

log = logging.getLogger(__name__)

CLAIM_SECONDS = 2 * 86400  # longer than JetStream keeps events (a day)
STALE_CLAIM_SECONDS = 30.0


def claim_key(push_key: str, subscription_id: str) -> str:
    return f"chat:push:sent:{push_key}:{subscription_id}"


@dataclass
class DeviceSends:
    redis: Redis
    delivery: PushDelivery
    concurrency: asyncio.Semaphore

    async def to_people(
        self, push_key: str, payload_for: Callable[[str], bytes], user_ids: list[str]
    ) -> bool:
        """Send; False when some device should be tried again later."""
        subscriptions = await select_subscriptions_of(user_ids)
        if not subscriptions:
            return True
        claimed = await self._claim(push_key, subscriptions)
        payloads: Mapping[str, bytes] = {u: payload_for(u) for u in {s.user_id for s in claimed}}
        outcomes = await asyncio.gather(*(self._send_one(s, payloads[s.user_id]) for s in claimed))
        await self._settle(push_key, claimed, outcomes)
        busy = len(claimed) < len(subscriptions) and await self._any_in_flight(
            push_key, subscriptions
        )
        return Outcome.RETRY not in outcomes and not busy

    async def _claim(
        self, push_key: str, subscriptions: list[PushSubscription]
    ) -> list[PushSubscription]:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for s in subscriptions:
                pipe.set(claim_key(push_key, s.id), f"sending:{now}", nx=True, ex=CLAIM_SECONDS)
            fresh = await pipe.execute()
        claimed = [s for s, ok in zip(subscriptions, fresh, strict=True) if ok]
        for s in (s for s, ok in zip(subscriptions, fresh, strict=True) if not ok):
            if await self._take_over_stale(claim_key(push_key, s.id), now):
                claimed.append(s)
        return claimed

    async def _take_over_stale(self, key: str, now: float) -> bool:
        value = cast(bytes | None, await self.redis.get(key))
        if value is None or not value.startswith(b"sending:"):
            return False  # sent already (or expired: long done)
        if now - float(value.split(b":", 1)[1]) < STALE_CLAIM_SECONDS:
            return False
        return bool(await self.redis.set(key, f"sending:{now}", xx=True, ex=CLAIM_SECONDS))

    async def _any_in_flight(self, push_key: str, subscriptions: list[PushSubscription]) -> bool:
        keys = [claim_key(push_key, s.id) for s in subscriptions]
        values = cast(list[bytes | None], await self.redis.mget(keys))
        return any(v is not None and v.startswith(b"sending:") for v in values)

    async def _send_one(self, subscription: PushSubscription, payload: bytes) -> Outcome:
        async with self.concurrency:
            return await self.delivery.send(subscription, payload)

    async def _settle(
        self, push_key: str, claimed: list[PushSubscription], outcomes: list[Outcome]
    ) -> None:
        """Claims marked sent (or released for a retry) in one round trip, successes noted
        in one write, dead subscriptions deleted."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for subscription, outcome in zip(claimed, outcomes, strict=True):
                key = claim_key(push_key, subscription.id)
                if outcome is Outcome.RETRY:
                    pipe.delete(key)
                else:
                    pipe.set(key, "sent", ex=CLAIM_SECONDS)
            await pipe.execute()
        pairs = list(zip(claimed, outcomes, strict=True))
        delivered = [s.id for s, outcome in pairs if outcome is Outcome.DELIVERED]
        if delivered:
            await mark_success(delivered)
        for subscription, outcome in pairs:
            if outcome is Outcome.GONE:
                await delete_subscription(subscription.endpoint)
                log.info("push subscription gone, deleted", extra={"push": subscription.id})
