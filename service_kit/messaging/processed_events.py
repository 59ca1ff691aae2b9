"""Remembers which event ids a consumer has fully handled, so redeliveries are no-ops.

JetStream delivers at least once: a crash between the side effect and the ack brings the
message back. The id is recorded after the side effect succeeded, with a TTL well past the
stream's redelivery window.

A consumer whose side effect cannot be undone (an e-mail) also records when it *began*
(``claim``): a redelivery then knows whether the side effect is done, may still be under way
in another worker, or was begun by a worker that died (see mail_svc/lib/mail_delivery.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis

DEFAULT_TTL_SECONDS = 7 * 24 * 3600  # AUTH_EVENTS keeps messages 7 days
DONE = b"1"
IN_PROGRESS = "in-progress:"  # followed by the Redis server time it began, in seconds

# Atomic, and timed by the Redis server's clock so workers' clocks need not agree.
# Returns {state, seconds since the recorded start (or 0), the start now recorded (or "")}.
CLAIM = """
local value = redis.call('GET', KEYS[1])
if value == ARGV[3] then return {'done', '0', ''} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
local state = 'new'
if value then
  local age = now - tonumber(string.sub(value, string.len(ARGV[4]) + 1))
  if age < tonumber(ARGV[1]) then return {'in_progress', tostring(age), ''} end
  state = 'abandoned'
end
local began = ARGV[4] .. string.format('%.6f', now)
redis.call('SET', KEYS[1], began, 'EX', ARGV[2])
return {state, '0', began}
"""
# Forget a claim only if it is still ours (a failed attempt; nothing was done).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ClaimState(enum.Enum):
    NEW = "new"  # nobody began: go ahead
    DONE = "done"  # the side effect happened: skip it
    IN_PROGRESS = "in_progress"  # begun less than ``stale_after`` ago: maybe under way
    ABANDONED = "abandoned"  # begun longer ago: that worker died or lost the record


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    age_seconds: float = 0.0  # of the claim found IN_PROGRESS
    token: str = ""  # what ``release`` compares against (set when the claim is ours)


@dataclass(frozen=True)
class ProcessedEvents:
    redis: Redis
    consumer: str
    ttl_seconds: int = DEFAULT_TTL_SECONDS

    def _key(self, event_id: UUID) -> str:
        return f"processed:{self.consumer}:{event_id}"

    async def already_processed(self, event_id: UUID) -> bool:
        return await self.redis.get(self._key(event_id)) == DONE

    async def mark_processed(self, event_id: UUID) -> None:
        await self.redis.set(self._key(event_id), DONE, ex=self.ttl_seconds)

    async def claim(self, event_id: UUID, stale_after: float) -> Claim:
        """Record that handling begins now, unless it is done or began under ``stale_after``
        seconds ago (then nothing is recorded)."""
        state, age, token = await self.redis.eval(
            CLAIM,
            1,
            self._key(event_id),
            str(stale_after),
            str(self.ttl_seconds),
            DONE.decode(),
            IN_PROGRESS,
        )
        return Claim(ClaimState(_text(state)), float(_text(age)), _text(token))

    async def release(self, event_id: UUID, claim: Claim) -> None:
        """Drop our claim after an attempt that did nothing, so a retry need not wait."""
        if claim.token:
            await self.redis.eval(RELEASE, 1, self._key(event_id), claim.token)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
