"""Remembers which event ids a consumer has fully handled, so redeliveries are no-ops.

JetStream delivers at least once: a crash between the side effect and the ack brings the
message back. The id is recorded after the side effect succeeded, with a TTL well past the
stream's redelivery window.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis

DEFAULT_TTL_SECONDS = 7 * 24 * 3600  # AUTH_EVENTS keeps messages 7 days


@dataclass(frozen=True)
class ProcessedEvents:
    redis: Redis
    consumer: str
    ttl_seconds: int = DEFAULT_TTL_SECONDS

    def _key(self, event_id: UUID) -> str:
        return f"processed:{self.consumer}:{event_id}"

    async def already_processed(self, event_id: UUID) -> bool:
        return bool(await self.redis.exists(self._key(event_id)))

    async def mark_processed(self, event_id: UUID) -> None:
        await self.redis.set(self._key(event_id), b"1", ex=self.ttl_seconds)
