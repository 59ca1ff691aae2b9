"""Rate limits in Redis (quart-rate-limiter): per client address, before the view runs.

Per-account limits count only real attempts and live in attempt_limits.py.

Keys expire once their window has passed, so Redis does not fill up with one key per
address ever seen.
"""

from __future__ import annotations

from datetime import datetime

from quart import request

from service_kit.storage.redis_pool import BoundedRedisStore


class ExpiringRedisStore(BoundedRedisStore):
    async def set(self, key: str, tat: datetime) -> None:
        assert self._redis is not None
        # Past its theoretical arrival time the stored value equals the default: drop it.
        await self._redis.set(key, tat.timestamp(), pxat=int(tat.timestamp() * 1000) + 1000)


async def client_address_key() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"
