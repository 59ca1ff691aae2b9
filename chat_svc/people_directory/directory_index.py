"""Everyone who can chat, by name, in Valkey: a page of the people list without reading
chat's whole copy of the people.

On FerretDB ``find().sort(display_name)`` decodes every person (~60 µs each: 0.6 s at
10,000, bench/people_list.py), and the page listed them all. Here a sorted set
``chat:people:names`` holds ``<display name>\\0<user id>`` (score 0: ordered by bytes, as
the store orders names) and a hash per person holds what a row shows. The store stays the
record: the index is rebuilt from it (one scan) when ``chat:people:ready`` is missing, and
every write to a person writes through (models/users.py). A write that lands while a
rebuild reads the store bumps ``chat:people:dirty``, and the rebuild starts again rather
than mark the index ready with what it read before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from redis.asyncio import Redis
from redis.exceptions import RedisError, WatchError

log = logging.getLogger(__name__)

NAMES = "chat:people:names"
READY = "chat:people:ready:2"  # 2: cards hold the e-mail (an index without it is rebuilt)
DIRTY = "chat:people:dirty"
REBUILD_ATTEMPTS = 3


def card_key(user_id: str) -> str:
    return f"chat:people:card:{user_id}"


def name_member(display_name: str, user_id: str) -> str:
    return f"{display_name}\0{user_id}"


@dataclass(frozen=True)
class PersonCard:
    """What the people list shows of a person (the fields of ChatUser it reads)."""

    user_id: str
    display_name: str
    role: str
    deactivated: bool
    email: str = ""  # "" on a card written before cards held it (readers ask the store)
    document_id: str = ""  # the stored record's _id, as the rebuild read it ("" if not)


# KEYS: the card, NAMES, READY, DIRTY. ARGV: user id, the name's member ("" unchanged),
# then field, value pairs. 0 when the index is not ready or lacks the person and the
# change does not name them (a rebuild reads the store instead).
WRITE_CARD = """
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('INCR', KEYS[4]) return 0 end
local old = redis.call('HGET', KEYS[1], 'member')
if not old and ARGV[2] == '' then
  redis.call('DEL', KEYS[3])
  redis.call('INCR', KEYS[4])
  return 0
end
if ARGV[2] ~= '' and ARGV[2] ~= old then
  if old then redis.call('ZREM', KEYS[2], old) end
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
  redis.call('HSET', KEYS[1], 'member', ARGV[2])
end
redis.call('HSETNX', KEYS[1], 'role', 'member')
redis.call('HSETNX', KEYS[1], 'deactivated', '0')
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
"""


CARD_FIELDS = ("name", "role", "deactivated", "email", "document")
EVERYONE_CHUNK = 500  # people a script call reads: Valkey is busy ~1.3 ms a call (measured)

# KEYS: NAMES. ARGV: the lex range's start, how many, the cards' key prefix. The member,
# then CARD_FIELDS, of each person from there (cards named by the member's id, not in
# KEYS: fine on one Valkey, not on a cluster).
EVERY_CARD = """
local rows = {}
for _, member in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])) do
  rows[#rows + 1] = member
  local id = string.match(member, '%z([^%z]*)$')
  local card = redis.call('HMGET', ARGV[3] .. id, 'name', 'role', 'deactivated', 'email',
    'document')
  for i = 1, 5 do rows[#rows + 1] = card[i] end
end
return rows
"""


class PeopleDirectory:
    def __init__(self, redis: Redis, people: Callable[[], AsyncCollection[Any]]) -> None:
        self._redis = redis
        self._people = people  # chat's copy of the people (models/users.py ChatUser)
        self._write_card = redis.register_script(WRITE_CARD)
        self._every_card = redis.register_script(EVERY_CARD)
        self._rebuilding = asyncio.Lock()

    async def changed(
        self,
        user_id: str,
        display_name: str | None = None,
        role: str | None = None,
        deactivated: bool | None = None,
        email: str | None = None,
        document_id: str | None = None,
    ) -> None:
        """Write-through of a change the store just applied (or of a record's ``_id`` read
        since)."""
        member = "" if display_name is None else name_member(display_name, user_id)
        fields: list[str] = []
        if display_name is not None:
            fields += ["name", display_name]
        if role is not None:
            fields += ["role", role]
        if deactivated is not None:
            fields += ["deactivated", "1" if deactivated else "0"]
        if email is not None:
            fields += ["email", email]
        if document_id is not None:
            fields += ["document", document_id]
        keys = [card_key(user_id), NAMES, READY, DIRTY]
        try:
            await self._write_card(keys, [user_id, member, *fields])
        except (RedisError, OSError) as error:
            log.warning("people directory not written, marking it for a rebuild: %s", error)
            with contextlib.suppress(RedisError, OSError):  # Valkey down: a write still stands
                await self._redis.delete(READY)

    async def page(self, after: str, size: int) -> tuple[list[PersonCard], str]:
        """Up to ``size`` active people whose member follows ``after`` ("": the first),
        and the member to continue after ("": no more)."""
        if not await self._redis.exists(READY):
            await self._rebuild()
        found: list[PersonCard] = []
        start = f"({after}" if after else "-"
        while len(found) < size:
            members: list[Any] = await self._redis.zrangebylex(
                NAMES, start, "+", 0, size - len(found)
            )
            if not members:
                return found, ""
            async with self._redis.pipeline(transaction=False) as pipe:
                for member in members:
                    pipe.hgetall(card_key(member.decode().rpartition("\0")[2]))
                cards = await pipe.execute()
            for member, card in zip(members, cards, strict=True):
                person = _card(member.decode(), card)
                if person is not None and not person.deactivated:
                    found.append(person)
            start = f"({members[-1].decode()}"
        more = await self._redis.zrangebylex(NAMES, start, "+", 0, 1)
        return found, start[1:] if more else ""

    async def everyone(self, chunk: int = EVERYONE_CHUNK) -> list[PersonCard]:
        """Every person chat knows, deactivated too, by name: cards read in Valkey by a
        script, a chunk a call (a pipeline of 10,000 HGETALLs costs redis-py ~150 ms)."""
        if not await self._redis.exists(READY):
            await self._rebuild()
        found: list[PersonCard] = []
        start = "-"
        while True:
            rows: list[Any] = await self._every_card([NAMES], [start, chunk, card_key("")])
            row = len(CARD_FIELDS) + 1
            for at in range(0, len(rows), row):
                member, *fields = (
                    v.decode() if v is not None else None for v in rows[at : at + row]
                )
                if fields[0] is not None:  # no card: gone since the range was read
                    values = dict(zip(CARD_FIELDS, fields, strict=True))
                    found.append(_card_of_fields(str(member), values))
            if len(rows) < chunk * row:
                return found
            start = f"({rows[-row].decode()}"

    async def card(self, user_id: str) -> tuple[bool, PersonCard | None]:
        """(answered, the person's card): not answered while the index is incomplete."""
        if not await self._redis.exists(READY):
            await self._rebuild()  # one scan, then no read of a person scans
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.exists(READY)
            pipe.hgetall(card_key(user_id))
            ready, card = await pipe.execute()
        return bool(ready), _card(f"\0{user_id}", card) if ready else None

    async def _rebuild(self) -> None:
        async with self._rebuilding:
            for _ in range(REBUILD_ATTEMPTS):
                if await self._redis.exists(READY) or await self._rebuild_once():
                    return
        raise RedisError("the people directory changed during each rebuild")

    async def _rebuild_once(self) -> bool:
        people = self._people().find(
            {}, {"user_id": 1, "display_name": 1, "role": 1, "deactivated": 1, "email": 1}
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(DIRTY)
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.delete(NAMES)
            async for raw in people:
                user_id, name = str(raw["user_id"]), str(raw["display_name"])
                member = name_member(name, user_id)
                pipe.zadd(NAMES, {member: 0})
                card: dict[Any, Any] = {"member": member, "name": name, "deactivated": _flag(raw)}
                card |= {"role": raw.get("role", "member"), "email": raw.get("email", "")}
                card["document"] = str(raw["_id"])
                pipe.hset(card_key(user_id), mapping=card)
            pipe.set(READY, b"1")
            try:
                await pipe.execute()
            except WatchError:
                return False
        log.info("people directory rebuilt")
        return True


def _flag(raw: dict[str, object]) -> str:
    return "1" if raw.get("deactivated") else "0"


def _card(member: str, card: dict[bytes, bytes]) -> PersonCard | None:
    if not card:
        return None
    return _card_of_fields(member, {key.decode(): value.decode() for key, value in card.items()})


def _card_of_fields(member: str, fields: dict[str, str | None]) -> PersonCard:
    return PersonCard(
        user_id=member.rpartition("\0")[2],
        display_name=fields.get("name") or "",
        role=fields.get("role") or "member",
        deactivated=fields.get("deactivated") == "1",
        email=fields.get("email") or "",
        document_id=fields.get("document") or "",
    )
