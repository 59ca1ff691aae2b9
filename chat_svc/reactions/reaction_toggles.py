"""Toggling a reaction, and spreading the message's reactions (store, cache, live).

Each toggle is one Lua script on Redis, atomic across every replica: it adds or removes the
person's reaction in the message's reaction state (seeded from the store when Redis holds
none), refuses a 21st different emoji, counts the emoji in the person's most used, and
arms the message's flush. 20 people at once on two replicas: each toggle sees the others'.

The flush runs once per message per ``COALESCE_SECONDS`` on the replica that armed it: it
takes the message's change lock (the one edits take, so it never writes over a deletion),
reads the state as it is then, writes it to the store under the next id of the room's
sequence (like an edit, without ``edited_at``), replaces the cached message and publishes
``MessageChanged``. So the page, the live stream and a resume all bring the current
reactions once; the disarm comes before the read, so a toggle after it arms a new flush.
Never unread: no new message id, only an event id, as edits take.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field

from pydantic import TypeAdapter
from redis.asyncio import Redis

from chat_svc.actions.message_edits import LOCK_MILLISECONDS, RELEASE_IF_OWNED, lock_key
from chat_svc.actions.message_feed import CACHE_ERRORS, MessageFeed
from chat_svc.auth.auth_client import Viewer
from chat_svc.events import MessageChanged
from chat_svc.models.message_shape import Reaction
from chat_svc.models.messages import ChatMessage, MessageRecord, event_of
from chat_svc.reactions.reaction_keys import armed_key, most_used_key, reaction_state_key

log = logging.getLogger(__name__)

MAX_DIFFERENT = 20
COALESCE_SECONDS = 0.5
# A flush armed by a replica that stopped before running it is re-armed after this.
ARMED_MILLISECONDS = 5_000
# The state outlives any flush by far; past it the store holds the same reactions.
STATE_SECONDS = 86_400
LOCK_WAIT_SECONDS = 0.05
LOCK_ATTEMPTS = 200  # 10 s: the longest a lock is held
SETTLE_CHECKS = 20  # 2 s
MOST_USED_SHOWN = 8

REACTIONS = TypeAdapter(tuple[Reaction, ...])

# KEYS: state, the person's most used, flush armed. ARGV: user id, name, emoji, most
# different emoji, the stored reactions (the seed), state seconds, armed milliseconds.
# Returns {1 added | 2 removed | 0 refused, the state as JSON, 1 if this call armed the flush}.
TOGGLE = """
local raw = redis.call('GET', KEYS[1]) or ARGV[5]
local reactions = cjson.decode(raw)
local user, emoji = ARGV[1], ARGV[3]
local outcome = 1
local found = nil
for i, reaction in ipairs(reactions) do
  if reaction.emoji == emoji then found = i break end
end
if found then
  local people = reactions[found].people
  local at = nil
  for j, person in ipairs(people) do
    if person.user_id == user then at = j break end
  end
  if at then
    table.remove(people, at)
    if #people == 0 then table.remove(reactions, found) end
    outcome = 2
  else
    table.insert(people, {user_id = user, name = ARGV[2]})
  end
elseif #reactions >= tonumber(ARGV[4]) then
  return {0, raw, 0}
else
  table.insert(reactions, {emoji = emoji, people = {{user_id = user, name = ARGV[2]}}})
end
local encoded = '[]'
if #reactions > 0 then encoded = cjson.encode(reactions) end
redis.call('SET', KEYS[1], encoded, 'EX', ARGV[6])
if outcome == 1 then redis.call('ZINCRBY', KEYS[2], 1, emoji) end
local armed = redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[7])
if armed then return {outcome, encoded, 1} end
return {outcome, encoded, 0}
"""


class TooManyReactionsError(Exception):
    """The message has its 20 different reactions; this one would be the 21st."""


@dataclass
class ReactionToggles:
    feed: MessageFeed
    # The flushes this replica armed, by message (a task is kept until it is done).
    _flushes: dict[tuple[str, int], asyncio.Task[None]] = field(default_factory=dict)

    @property
    def redis(self) -> Redis:
        return self.feed.cache.redis

    async def toggle(self, viewer: Viewer, message: MessageRecord, emoji: str) -> MessageRecord:
        """Add or remove the viewer's ``emoji`` on ``message``; the message with its
        reactions as they now are (the store and the others follow within the flush)."""
        room, message_id = message.room, message.message_id
        outcome, state, armed = await self.redis.eval(
            TOGGLE,
            3,
            reaction_state_key(room, message_id),
            most_used_key(viewer.user_id),
            armed_key(room, message_id),
            viewer.user_id,
            viewer.display_name,
            emoji,
            MAX_DIFFERENT,
            REACTIONS.dump_json(message.reactions).decode(),
            STATE_SECONDS,
            ARMED_MILLISECONDS,
        )
        if int(outcome) == 0:
            raise TooManyReactionsError
        if int(armed):
            task = asyncio.create_task(self._flush_later(room, message_id))
            self._flushes[room, message_id] = task
            task.add_done_callback(self._forget_flush)
        return message.model_copy(update={"reactions": parse_state(state)})

    def _forget_flush(self, task: asyncio.Task[None]) -> None:
        # Only this task's entry: a later toggle may have armed the message's next flush.
        for key, pending in list(self._flushes.items()):
            if pending is task:
                del self._flushes[key]

    async def settled(self, room: str, message_id: int) -> None:
        """Until the message's pending flush has written the store and the cache (a page
        without JavaScript has no live update: the room it is sent back to must show the
        toggle). Another replica's flush is due within ``COALESCE_SECONDS``."""
        task = self._flushes.get((room, message_id))
        if task is not None:
            await asyncio.shield(task)
            return
        for _ in range(SETTLE_CHECKS):
            if not await self.redis.exists(armed_key(room, message_id)):
                return
            await asyncio.sleep(COALESCE_SECONDS / 5)

    async def most_used(self, user_id: str) -> list[str]:
        used = await self.redis.zrevrange(most_used_key(user_id), 0, MOST_USED_SHOWN - 1)
        return [item.decode() if isinstance(item, bytes) else str(item) for item in used]

    async def _flush_later(self, room: str, message_id: int) -> None:
        await asyncio.sleep(COALESCE_SECONDS)
        try:
            await self._flush(room, message_id)
        except Exception:  # a background task: nobody else would see it
            log.exception("reactions not spread", extra={"room": room, "message_id": message_id})

    async def _flush(self, room: str, message_id: int) -> None:
        key, token = lock_key(room, message_id), uuid.uuid4().hex
        for _ in range(LOCK_ATTEMPTS):
            if await self.redis.set(key, token, nx=True, px=LOCK_MILLISECONDS):
                break
            await asyncio.sleep(LOCK_WAIT_SECONDS)  # an edit of the same message under way
        else:
            raise TimeoutError("the message's change lock stayed taken")
        try:
            await self.redis.delete(armed_key(room, message_id))  # later toggles re-arm
            state = await self.redis.get(reaction_state_key(room, message_id))
            current = await self.feed.find_message(room, message_id)  # maybe not stored yet
            if state is None or current is None or current.deleted:
                return  # a deletion took the reactions with it
            reactions = parse_state(state)
            event_id = await self.feed.ids.next_id(room)
            # Posts acknowledged by the log: the history writer stores the event instead.
            if not self.feed.acknowledged_by_log:
                await ChatMessage.get_pymongo_collection().update_one(
                    {"room": room, "message_id": message_id},
                    {
                        "$set": {
                            "reactions": [r.model_dump() for r in reactions],
                            "event_id": event_id,
                        }
                    },
                )
        finally:
            await self.redis.eval(RELEASE_IF_OWNED, 1, key, token)
        changed = current.model_copy(update={"reactions": reactions, "event_id": event_id})
        await self._spread(changed)

    async def _spread(self, message: MessageRecord) -> None:
        fields = {"room": message.room, "message_id": message.message_id}
        try:
            await self.feed.cache.replace(message, message.mentions)
        except CACHE_ERRORS as error:
            log.warning("latest cache not updated after reactions: %s", error, extra=fields)
        event = event_of(message, MessageChanged)
        await self.feed.publisher.publish(
            MessageChanged.subject_for(message.room), event.to_bytes(), str(event.id), fields
        )


def parse_state(state: bytes | str) -> tuple[Reaction, ...]:
    return REACTIONS.validate_python(json.loads(state) or [])
