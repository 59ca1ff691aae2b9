"""Rate limits in Redis (quart-rate-limiter): per client address and per e-mail address.

Keys expire once their window has passed, so Redis does not fill up with one key per
address ever seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from quart import request
from quart_rate_limiter import RateLimit
from quart_rate_limiter.redis_store import RedisStore

from auth_svc.lib.email_addresses import normalise_email
from auth_svc.lib.forms import EMAIL_MAX_LENGTH
from auth_svc.settings import AuthSettings


class ExpiringRedisStore(RedisStore):
    async def set(self, key: str, tat: datetime) -> None:
        assert self._redis is not None
        # Past its theoretical arrival time the stored value equals the default: drop it.
        await self._redis.set(key, tat.timestamp(), pxat=int(tat.timestamp() * 1000) + 1000)

    async def after_serving(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


async def client_address_key() -> str:
    return f"ip:{request.remote_addr or 'unknown'}"


async def submitted_email_key() -> str:
    form = await request.form
    email = normalise_email(form.get("email", "")[: EMAIL_MAX_LENGTH * 2])[:EMAIL_MAX_LENGTH]
    return f"email:{email}"


def per_address_and_email(settings: AuthSettings, per_ip: int, per_email: int) -> list[RateLimit]:
    window = timedelta(seconds=settings.rate_limit_window)
    return [
        RateLimit(per_ip, window, key_function=client_address_key),
        RateLimit(per_email, window, key_function=submitted_email_key),
    ]
