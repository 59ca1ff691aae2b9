"""Redis clients whose connection pool is bounded and whose wait for a connection is too.

redis-py's default pool opens a connection per concurrent command up to 2**31 and, given
``max_connections``, fails at once with "Too many connections" (a 500 under load). A
``BlockingConnectionPool`` instead queues a command for at most ``pool_timeout`` seconds,
then raises ``redis.exceptions.ConnectionError``, which the error pages answer with 503
and ``Retry-After`` (service_kit/serving/web.py): overload degrades, it does not fail.
"""

from __future__ import annotations

from typing import Any

from quart_rate_limiter.redis_store import RedisStore
from redis.asyncio import BlockingConnectionPool, Redis

SOCKET_TIMEOUT_SECONDS = 2.0


def bounded_redis(url: str, max_connections: int, pool_timeout: float, **options: Any) -> Redis:
    """A client on its own bounded pool; ``aclose()`` closes the pool too."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        **options,
    )
    return Redis.from_pool(pool)


class BoundedRedisStore(RedisStore):
    """quart-rate-limiter's Redis store on a bounded pool (its own opens an unbounded one)."""

    def __init__(self, url: str, max_connections: int, pool_timeout: float) -> None:
        super().__init__(url)
        self._bounds = (max_connections, pool_timeout)

    async def before_serving(self) -> None:
        url, _ = self._redis_arguments
        self._redis = bounded_redis(url, *self._bounds)

    async def after_serving(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
