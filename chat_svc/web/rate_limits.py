"""Per-user rate limits kept in Redis, shared by every replica."""

from __future__ import annotations

import logging
from datetime import datetime

from quart import request
from quart_rate_limiter import RateLimiter
from redis.exceptions import RedisError

from chat_svc.auth.viewers import current_viewer
from chat_svc.settings import ChatSettings
from service_kit.logging_setup import ThrottledLog
from service_kit.storage.redis_pool import BoundedRedisStore

log = logging.getLogger(__name__)
# Under overload every request may find the pool busy: one line per 5 s says so.
unavailable_log = ThrottledLog(log, 5.0)


class FailOpenRedisStore(BoundedRedisStore):
    """While Redis is down, sending is not limited rather than not possible (and it is logged)."""

    async def get(self, key: str, default: datetime) -> datetime:
        try:
            return await super().get(key, default)
        except (RedisError, OSError) as error:
            unavailable_log.warning("rate limit store unavailable: %s", error)
            return default

    async def set(self, key: str, tat: datetime) -> None:
        try:
            await super().set(key, tat)
        except (RedisError, OSError) as error:
            unavailable_log.warning("rate limit store unavailable: %s", error)


async def viewer_key() -> str:
    viewer = await current_viewer()
    return f"user:{viewer.user_id}" if viewer is not None else f"ip:{request.remote_addr}"


def install_rate_limiter(settings: ChatSettings) -> RateLimiter:
    store = FailOpenRedisStore(
        settings.redis_url, settings.redis_max_connections, settings.redis_pool_timeout
    )
    return RateLimiter(key_function=viewer_key, store=store)
