"""Per-user rate limits kept in Redis, shared by every replica."""

from __future__ import annotations

import logging
from datetime import datetime

from quart import request
from quart_rate_limiter import RateLimiter
from quart_rate_limiter.redis_store import RedisStore
from redis.exceptions import RedisError

from chat_svc.lib.access import current_viewer

log = logging.getLogger(__name__)


class FailOpenRedisStore(RedisStore):
    """While Redis is down, sending is not limited rather than not possible (and it is logged)."""

    async def get(self, key: str, default: datetime) -> datetime:
        try:
            return await super().get(key, default)
        except (RedisError, OSError) as error:
            log.warning("rate limit store unavailable: %s", error)
            return default

    async def set(self, key: str, tat: datetime) -> None:
        try:
            await super().set(key, tat)
        except (RedisError, OSError) as error:
            log.warning("rate limit store unavailable: %s", error)

    async def after_serving(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


async def viewer_key() -> str:
    viewer = await current_viewer()
    return f"user:{viewer.user_id}" if viewer is not None else f"ip:{request.remote_addr}"


def install_rate_limiter(redis_url: str) -> RateLimiter:
    store = FailOpenRedisStore(redis_url, socket_connect_timeout=2, socket_timeout=2)
    return RateLimiter(key_function=viewer_key, store=store)
