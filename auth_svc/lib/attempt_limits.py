"""Limits on real attempts against one account: sign-in failures and reset requests.

quart-rate-limiter counts every request before the view runs, so five CSRF-less posts
a minute from anywhere kept the real person out. These limits count only attempts that got
past CSRF and form validation, and key them on the (account, client address) pair: an
attacker uses up his own pair, not the person's. An account-wide ceiling, much higher,
still bounds what many addresses together can try. A successful sign-in or password reset
clears that address's attempts; a password reset clears the account's.

The account-wide ceiling counts over its own, longer window: sign-ins allow 100 failures an
hour on one account from every address together (ASVS 4.0.3 V2.2.1), while one address
is still limited per minute; the owner gets back in at once by resetting the password.

Per account and limit: a Redis hash with a field per client address, expiring one window
after its first attempt, and a counter for the whole account, expiring one account window
after its first (both fixed windows).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from auth_svc.settings import AttemptLimit

# KEYS: per limit, its hash of client counts then its account total; ARGV[1]: the client.
FORGET_CLIENT = """
for i = 1, #KEYS, 2 do
  local count = tonumber(redis.call('HGET', KEYS[i], ARGV[1]) or '0')
  if count > 0 then
    redis.call('HDEL', KEYS[i], ARGV[1])
    if tonumber(redis.call('GET', KEYS[i + 1]) or '0') > count then
      redis.call('DECRBY', KEYS[i + 1], count)
    else
      redis.call('DEL', KEYS[i + 1])
    end
  end
end
return 0
"""


@dataclass(frozen=True)
class AttemptLimiter:
    redis: Redis

    @staticmethod
    def key(limit: AttemptLimit, account: str) -> str:
        """The hash of per-client counts."""
        return f"attempts:{limit.name}:{account}"

    @staticmethod
    def total_key(limit: AttemptLimit, account: str) -> str:
        """The account-wide count, over the account window."""
        return f"attempts:{limit.name}:{account}:all"

    @classmethod
    def keys(cls, limit: AttemptLimit, account: str) -> list[str]:
        return [cls.key(limit, account), cls.total_key(limit, account)]

    async def retry_after(self, limit: AttemptLimit, account: str, client: str) -> int | None:
        """Seconds until the next attempt is allowed, or None when it is allowed now."""
        key, total_key = self.keys(limit, account)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(key, client)
            pipe.get(total_key)
            pipe.ttl(key)
            pipe.ttl(total_key)
            from_client, total, client_ttl, total_ttl = await pipe.execute()
        waits = []
        if int(from_client or 0) >= limit.per_client:
            waits.append(int(client_ttl))
        if int(total or 0) >= limit.per_account:
            waits.append(int(total_ttl))
        return max(*waits, 1) if waits else None

    async def record(self, limit: AttemptLimit, account: str, client: str) -> None:
        key, total_key = self.keys(limit, account)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, client, 1)
            pipe.expire(key, limit.window_seconds, nx=True)
            pipe.incr(total_key)
            pipe.expire(total_key, limit.account_window, nx=True)
            await pipe.execute()

    async def forget_client(self, account: str, client: str, *limits: AttemptLimit) -> None:
        """After a successful sign-in: this address's attempts no longer count (others' do).

        One round trip for every limit: a script reads and clears each count atomically."""
        keys = [key for limit in limits for key in self.keys(limit, account)]
        await self.redis.eval(FORGET_CLIENT, len(keys), *keys, client)

    async def clear(self, account: str, *limits: AttemptLimit) -> None:
        """After a password reset: the person proved they own the mailbox; start afresh."""
        await self.redis.delete(*(key for limit in limits for key in self.keys(limit, account)))
