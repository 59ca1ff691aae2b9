"""Who chat has written already, remembered in Valkey across replicas and restarts.

A person's first request on a replica writes them (their name and address) and makes them a
member of general: three database round trips. A replica that just started knows nobody, so
when every client of a restarted replica reconnects at once, each person cost those trips
again, all at the same moment. A person is written again only when their name or address
changed (the token check brings the current ones) or the mark expired.
"""

from __future__ import annotations

import hashlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.auth.auth_client import Viewer
from chat_svc.stream_storms.coalesced_commands import coalesced

log = logging.getLogger(__name__)

# Long enough for every reconnect after a deploy; short enough that a store restored
# without its Valkey (people missing from it) is written again within a day.
KEEP_SECONDS = 24 * 3600


def visitor_key(user_id: str) -> str:
    return f"chat:visitor:{user_id}"


def _fingerprint(viewer: Viewer) -> bytes:
    return hashlib.blake2b(
        f"{viewer.email}\n{viewer.display_name}".encode(), digest_size=12
    ).digest()


class KnownVisitors:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def written(self, viewer: Viewer) -> bool:
        """True when this person, with this name and address, was written already."""
        try:
            key = visitor_key(viewer.user_id)  # with the others asked meanwhile
            stored = await coalesced(self._redis).call(lambda pipe: pipe.get(key))
        except (RedisError, OSError) as error:  # written again: idempotent, only slower
            log.warning("known visitors unavailable: %s", error)
            return False
        return bool(stored == _fingerprint(viewer))

    async def remember(self, viewer: Viewer) -> None:
        try:
            await self._redis.set(
                visitor_key(viewer.user_id), _fingerprint(viewer), ex=KEEP_SECONDS
            )
        except (RedisError, OSError) as error:
            log.warning("visitor not remembered: %s", error)
