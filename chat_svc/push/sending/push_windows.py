"""One push per person and room per window (Redis): the first message opens the window and
is pushed; later ones are held and become one "N new messages" push when it closes
(coalesced_pushes.py). Keyed by message id, so a redelivered event decides the same.

The held messages leave Redis only once their push was sent (``settle``): claiming them
only leases them for one window, so a replica that dies between the claim and the push
leaves them to be claimed again (the per-device claims of device_sends.py keep a push that
did go out from going twice)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

DUE_KEY = "chat:push:due"
HELD_MS = 86_400_000  # held messages outlive any outage JetStream itself would survive


def window_key(user_id: str, room: str) -> str:
    return f"chat:push:window:{user_id}:{room}"


def held_key(user_id: str, room: str) -> str:
    return f"chat:push:held:{user_id}:{room}"


# KEYS: window, held, due. ARGV: message id, window ms, due member, now ms, held ms.
# 1: push now (the window is this message's); 0: held for the window's end.
OPEN_OR_HOLD = """
local opener = redis.call('GET', KEYS[1])
if not opener then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if opener == ARGV[1] then return 1 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then left = 0 end
redis.call('ZADD', KEYS[3], 'NX', tonumber(ARGV[4]) + left, ARGV[3])
return 0
"""

# KEYS: due, held, window. ARGV: due member, window ms, now ms.
# Leased to one replica for a window (the score moves on); the push opens the next window.
CLAIM = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[3]) then return {} end
local held = redis.call('SMEMBERS', KEYS[2])
if #held == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return {}
end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[3]) + tonumber(ARGV[2]), ARGV[1])
redis.call('SET', KEYS[3], 'coalesced', 'PX', ARGV[2])
return held
"""

# KEYS: due, held, window. ARGV: due member, now ms, the settled ids...
# Messages held while the push went out are due when the window it opened closes.
SETTLE = """
redis.call('SREM', KEYS[2], unpack(ARGV, 3))
if redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
local left = redis.call('PTTL', KEYS[3])
if left < 0 then left = 0 end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]) + left, ARGV[1])
return 1
"""


@dataclass(frozen=True)
class HeldMessages:
    user_id: str
    room: str
    message_ids: list[int]


class PushWindows:
    def __init__(self, redis: Redis, window_seconds: float) -> None:
        self.redis = redis
        self.window_ms = max(1, int(window_seconds * 1000))
        self._open_or_hold = redis.register_script(OPEN_OR_HOLD)
        self._claim = redis.register_script(CLAIM)
        self._settle = redis.register_script(SETTLE)

    async def open_or_hold(self, user_ids: list[str], room: str, message_id: int) -> list[str]:
        """Those of ``user_ids`` to push to now; the others' pushes are held."""
        now_ms = int(time.time() * 1000)
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                await self._open_or_hold(
                    keys=[window_key(user_id, room), held_key(user_id, room), DUE_KEY],
                    args=[message_id, self.window_ms, _member(user_id, room), now_ms, HELD_MS],
                    client=pipe,
                )
            results = await pipe.execute()
        return [user_id for user_id, now in zip(user_ids, results, strict=True) if now == 1]

    async def claim_due(self, limit: int = 100) -> list[HeldMessages]:
        """Held sets whose window closed, each leased to this replica for one window: call
        ``settle`` once its push was sent (or is not wanted), or it is claimed again."""
        now_ms = int(time.time() * 1000)
        found = await self.redis.zrangebyscore(DUE_KEY, "-inf", now_ms, start=0, num=limit)
        members = cast(list[bytes], found)
        claimed = []
        for raw in members:
            user_id, room = json.loads(raw)
            held = await self._claim(
                keys=[DUE_KEY, held_key(user_id, room), window_key(user_id, room)],
                args=[raw, self.window_ms, now_ms],
            )
            if held:
                claimed.append(HeldMessages(user_id, room, sorted(int(i) for i in held)))
        return claimed

    async def settle(self, held: HeldMessages) -> None:
        """``held``'s messages are done with; those held since wait for the next window."""
        user_id, room = held.user_id, held.room
        await self._settle(
            keys=[DUE_KEY, held_key(user_id, room), window_key(user_id, room)],
            args=[_member(user_id, room), int(time.time() * 1000), *held.message_ids],
        )


def _member(user_id: str, room: str) -> str:
    return json.dumps([user_id, room], separators=(",", ":"))
