"""A new message's one Redis round trip: the draft's send-once key (actions/send_once.py), the
sender's rate limit, the room's next id and the message into the room's latest cache, in
one script.

The rate limit is GCRA (the algorithm quart-rate-limiter uses: a "theoretical arrival
time" per person that each post pushes forward by period / count), kept here because a
decorator would cost three more round trips per post. Redis' own clock is used, so every
replica agrees. A refused post takes no id and touches nothing.

The message is cached before the database has it: if the insert then fails the feed takes
the entry out again (actions/message_feed.py). Until then a page may show it; nobody is told
about it live, since the publish comes only after the insert.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from chat_svc.actions.message_ids import sequence_key
from chat_svc.actions.send_once import CLAIM_SECONDS, send_key
from chat_svc.models.messages import MessageRecord
from chat_svc.reads.latest_cache import latest_key, mentioned_others, mentions_prefix

# KEYS: the sender's rate key, the room's id sequence, the room's latest set and, when the
# form carried a draft key, its send-once key.
# ARGV: emission interval (s), period (s), "1" to check the rate, JSON before the id, JSON
# after it, the cache's size, the send-once key's lifetime (s), the room's mention sets'
# prefix, then the people the message mentions (not its author: reads/latest_cache.py).
# Returns {"ok", id}, {"sent", id} (this draft was stored already), {"wait", seconds}
# (refused) or {"seed"} (the sequence is missing).
TAKE = """
if KEYS[4] then
  local sent = redis.call('GET', KEYS[4])
  if sent then return {'sent', sent} end
end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local interval, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if ARGV[3] == '1' and tat - now > period - interval then
  return {'wait', tostring(math.ceil(tat - (period - interval) - now))}
end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'seed'} end
if ARGV[3] == '1' then
  local keep = math.ceil((tat + interval - now) * 1000) + 1000
  redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', keep)
end
local id = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], id, ARGV[4] .. id .. ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[6]) + 1))
for i = 9, #ARGV do redis.call('ZADD', ARGV[8] .. ARGV[i], id, id) end
if KEYS[4] then redis.call('SET', KEYS[4], id, 'EX', ARGV[7]) end
return {'ok', tostring(id)}
"""
ID_PLACEHOLDER = '"message_id":0,'


def rate_key(user_id: str) -> str:
    return f"chat:person:{user_id}:post-rate"


class PostRefusedError(Exception):
    """The sender posts faster than allowed; ``retry_after`` seconds until the next."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class AlreadySentError(Exception):
    """This draft (its send-once key) was stored already, as ``message_id``."""

    def __init__(self, message_id: int) -> None:
        super().__init__(f"already sent as {message_id}")
        self.message_id = message_id


class SequenceMissingError(Exception):
    """The room's id sequence is not in Redis (restarted or flushed): seed it first."""


@dataclass(frozen=True)
class Taken:
    message: MessageRecord
    cached_as: str  # the cache entry, to take it out again if the insert fails
    send_key: str | None  # the draft's send-once key, to delete with it


def json_around_id(draft: MessageRecord) -> tuple[str, str]:
    """The cached JSON of ``draft`` (its id 0) split where the id goes."""
    text = draft.model_dump_json()
    head, found, tail = text.partition(ID_PLACEHOLDER)
    # The id follows the room's slug, which has no quotes: the first match is the field.
    if not found or not head.startswith('{"room":') or head.count('"') != 4:
        raise ValueError(f"unexpected message JSON: {text[:80]}")
    return head + '"message_id":', "," + tail


@dataclass
class PostIntake:
    redis: Redis
    cache_size: int
    rate_count: int
    rate_period_seconds: float

    def __post_init__(self) -> None:
        self._take = self.redis.register_script(TAKE)

    async def take(
        self, draft: MessageRecord, *, check_rate: bool = True, client_id: str | None = None
    ) -> Taken:
        """``draft`` with the room's next id, cached; raises ``AlreadySentError``,
        ``PostRefusedError`` or ``SequenceMissingError``. ``check_rate=False``: a retry of
        one accepted post. ``client_id``: the form's draft key (valid_client_id)."""
        head, tail = json_around_id(draft)
        interval = self.rate_period_seconds / self.rate_count
        keys = [rate_key(draft.author_id), sequence_key(draft.room), latest_key(draft.room)]
        once = send_key(draft.author_id, draft.room, client_id) if client_id else None
        if once is not None:
            keys.append(once)
        answer = await self._take(
            keys=keys,
            args=[
                repr(interval),
                repr(self.rate_period_seconds),
                "1" if check_rate else "0",
                head,
                tail,
                self.cache_size,
                CLAIM_SECONDS,
                mentions_prefix(draft.room),
                *mentioned_others(draft),
            ],
        )
        outcome = bytes(answer[0]).decode()
        if outcome == "sent":
            raise AlreadySentError(int(answer[1]))
        if outcome == "wait":
            raise PostRefusedError(max(1, int(answer[1])))
        if outcome == "seed":
            raise SequenceMissingError(draft.room)
        message_id = int(answer[1])
        return Taken(
            draft.model_copy(update={"message_id": message_id}),
            f"{head}{message_id}{tail}",
            once,
        )
