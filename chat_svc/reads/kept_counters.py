"""A count kept in Valkey on every change, so a read is one ``GET`` instead of a scan of the
database (FerretDB scans every filtered read: service_kit/storage/store_compat.py). Used for
a room's member count (reads/member_counts.py) and a person's stored bytes (the upload quota,
files/uploading/upload_quota.py).

When the key is missing (Valkey restarted or was flushed, or never counted) it is rebuilt
from the database. A change racing the rebuild must not be lost: every change bumps the
key's generation (``<key>:generation``), and the rebuilt total is kept only if the
generation is the one read before counting (otherwise it is returned, not kept, and the next
read counts again). A change only adjusts a key that exists, so it never starts a count
from zero."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

# KEYS: count, generation. ARGV: delta. The generation first, so a rebuild under way sees it.
ADD_IF_COUNTED = """
redis.call('INCR', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCRBY', KEYS[1], ARGV[1])
"""

# KEYS: count, generation. ARGV: rebuilt total, generation read before counting ('' = none).
KEEP_IF_UNCHANGED = """
local generation = redis.call('GET', KEYS[2]) or ''
if generation ~= ARGV[2] then return 0 end
return redis.call('SET', KEYS[1], ARGV[1], 'NX') and 1 or 0
"""

# KEYS: count. ARGV: adding, limit. {taken (1/0), count before}; false: not counted yet.
TAKE_WITHIN = """
local counted = redis.call('GET', KEYS[1])
if not counted then return false end
counted = tonumber(counted)
if counted + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, counted} end
redis.call('INCRBY', KEYS[1], ARGV[1])
return {1, counted}
"""

Rebuild = Callable[[], Awaitable[int]]


def generation_key(key: str) -> str:
    return f"{key}:generation"


class KeptCounters:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._add = redis.register_script(ADD_IF_COUNTED)
        self._keep = redis.register_script(KEEP_IF_UNCHANGED)
        self._take = redis.register_script(TAKE_WITHIN)

    async def add(self, key: str, delta: int) -> None:
        """After the database changed: the count follows if it is kept."""
        await self._add(keys=[key, generation_key(key)], args=[delta])

    async def read(self, key: str, rebuild: Rebuild) -> int:
        counted, generation = await self.redis.mget(key, generation_key(key))
        if counted is not None:
            return int(counted)
        total = await rebuild()
        seen = "" if generation is None else _text(generation)
        await self._keep(keys=[key, generation_key(key)], args=[total, seen])
        return total

    async def take_within(
        self, key: str, adding: int, limit: int, rebuild: Rebuild
    ) -> tuple[bool, int]:
        """Adds ``adding`` only if the count stays within ``limit``, in one atomic step (two
        racing takes can never both pass). Returns (taken, the count before). Only takes add:
        a change racing a rebuild can only be a removal, which the rebuild counted or not, so a
        count kept regardless errs high (refuses early), never lets a take over ``limit``."""
        for attempt in range(4):
            answer = await self._take(keys=[key], args=[adding, limit])
            if answer is not None:
                return bool(int(answer[0])), int(answer[1])
            if attempt < 2:
                await self.read(key, rebuild)
            elif attempt == 2:  # a change raced each rebuild: keep the count anyway (above)
                await self.redis.set(key, await rebuild(), nx=True)
        raise RuntimeError(f"{key} was dropped as fast as it was rebuilt")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
