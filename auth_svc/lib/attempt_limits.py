"""Limits on real attempts against one account: sign-in failures and reset requests.

quart-rate-limiter counts every request before the view runs, so five CSRF-less posts
a minute from anywhere kept the real person out. These limits count only attempts that got
past CSRF and form validation, and key them on the (account, client address) pair: an
attacker uses up his own pair, not the person's. An account-wide ceiling, much higher,
still bounds what many addresses together can try. A successful sign-in or password reset
clears that address's attempts; a password reset clears the account's.

One Redis hash per account and limit: a field per client address plus ``*`` for the
account-wide total; the hash expires one window after its first attempt (a fixed window).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from auth_svc.settings import AttemptLimit

ACCOUNT_TOTAL = "*"

# KEYS: one hash per limit; ARGV: the client's field, the account-total field.
FORGET_CLIENT = """
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('HGET', key, ARGV[1]) or '0')
  if count > 0 then
    redis.call('HDEL', key, ARGV[1])
    redis.call('HINCRBY', key, ARGV[2], -count)
  end
end
return 0
"""


@dataclass(frozen=True)
class AttemptLimiter:
    redis: Redis

    @staticmethod
    def key(limit: AttemptLimit, account: str) -> str:
        return f"attempts:{limit.name}:{account}"

    async def retry_after(self, limit: AttemptLimit, account: str, client: str) -> int | None:
        """Seconds until the next attempt is allowed, or None when it is allowed now."""
        key = self.key(limit, account)
        from_client, total = await self.redis.hmget(key, [client, ACCOUNT_TOTAL])
        if int(from_client or 0) < limit.per_client and int(total or 0) < limit.per_account:
            return None
        ttl = await self.redis.ttl(key)
        return max(int(ttl), 1)

    async def record(self, limit: AttemptLimit, account: str, client: str) -> None:
        key = self.key(limit, account)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, client, 1)
            pipe.hincrby(key, ACCOUNT_TOTAL, 1)
            pipe.expire(key, limit.window_seconds, nx=True)
            await pipe.execute()

    async def forget_client(self, account: str, client: str, *limits: AttemptLimit) -> None:
        """After a successful sign-in: this address's attempts no longer count (others' do).

        One round trip for every limit: a script reads and clears each count atomically."""
        keys = [self.key(limit, account) for limit in limits]
        await self.redis.eval(FORGET_CLIENT, len(keys), *keys, client, ACCOUNT_TOTAL)

    async def clear(self, account: str, *limits: AttemptLimit) -> None:
        """After a password reset: the person proved they own the mailbox; start afresh."""
        await self.redis.delete(*(self.key(limit, account) for limit in limits))
