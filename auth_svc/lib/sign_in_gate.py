"""Before a sign-in's password hash: the per-address limit and the account's attempt limit
in ONE Redis round trip (a script), instead of quart-rate-limiter's read and write plus
the attempt check (three round trips, about 0.3 ms of the event loop each).

The per-address limit counts every POST to /sign-in from the address, a form without a
CSRF token too, in a fixed window (``sign-in:address:<address>``, expiring with it). The
account's limit is attempt_limits.py's, read here and recorded there. The script also says
whether this address has attempts on the account to forget after a success, so a clean
sign-in (the usual one) skips that round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from auth_svc.lib.attempt_limits import AttemptLimiter
from auth_svc.settings import AttemptLimit

# KEYS[1]: the address's counter; KEYS[2], KEYS[3] (absent without an account): the
# account's per-client hash and account-wide total under the limit checked; KEYS[4..]: its
# per-client hashes under other limits (only read).
# ARGV: window, per-address limit, the client's field, per-client limit, per-account limit.
# Returns {seconds to wait (0: go ahead), the client's attempts on the account under all}.
CHECK = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if used > tonumber(ARGV[2]) then
  return {math.max(redis.call('TTL', KEYS[1]), 1), 0}
end
if #KEYS == 1 then return {0, 0} end
local from_client = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
local wait = 0
if from_client >= tonumber(ARGV[4]) then wait = redis.call('TTL', KEYS[2]) end
if total >= tonumber(ARGV[5]) then wait = math.max(wait, redis.call('TTL', KEYS[3])) end
if from_client >= tonumber(ARGV[4]) or total >= tonumber(ARGV[5]) then
  return {math.max(wait, 1), from_client}
end
for i = 4, #KEYS do
  from_client = from_client + tonumber(redis.call('HGET', KEYS[i], ARGV[3]) or '0')
end
return {0, from_client}
"""


@dataclass(frozen=True)
class Admission:
    retry_after: int | None  # None: go ahead
    has_attempts_to_forget: bool  # this address has failed attempts on the account


@dataclass(frozen=True)
class SignInGate:
    redis: Redis
    per_address: int
    window_seconds: int

    async def admit(
        self,
        client: str,
        account: str | None = None,
        limit: AttemptLimit | None = None,
        also_forgets: tuple[AttemptLimit, ...] = (),
    ) -> Admission:
        """Count this post against the address; with an account, check its attempt limit."""
        keys = [f"sign-in:address:{client}"]
        per_client = per_account = 0
        if account is not None and limit is not None:
            keys += AttemptLimiter.keys(limit, account)
            keys += [AttemptLimiter.key(each, account) for each in also_forgets]
            per_client, per_account = limit.per_client, limit.per_account
        wait, attempts = await self.redis.eval(
            CHECK,
            len(keys),
            *keys,
            self.window_seconds,
            self.per_address,
            client,
            per_client,
            per_account,
        )
        return Admission(int(wait) or None, int(attempts) > 0)
