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

from chat_svc.people_directory.card_scripts import (
    CARD_FIELDS,
    CARDS_IN_RANGE,
    CARDS_OF,
    EVERYONE_CHUNK,
    WRITE_CARD,
)
from service_kit.people.roles import ADMIN

log = logging.getLogger(__name__)

NAMES = "chat:people:names"
# 3: cards hold the avatar, and the name-search sets exist (an older index is rebuilt)
READY = "chat:people:ready:3"
DIRTY = "chat:people:dirty"
REBUILD_ATTEMPTS = 3


# The name search (name_search.py): "<folded name>\0<user id>" of each person, and
# "<folded word>\0<user id>" of each word after a name's first.
FOLDED = "chat:people:folded"
WORDS = "chat:people:words"
ADMINS = "chat:people:admins"  # the ids of active administrators (a hint: people_changes.py)


def folded(text: str) -> str:
    """How the name search compares names: case-insensitive, as suggestions always did
    (no newline: the card keeps a person's entries one a line)."""
    return text.strip().casefold().replace("\n", " ")


def search_entries(display_name: str, user_id: str) -> list[str]:
    """The person's FOLDED entry, then their WORDS entries."""
    name = folded(display_name)
    return [f"{name}\0{user_id}"] + [f"{w}\0{user_id}" for w in dict.fromkeys(name.split()[1:])]


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
    avatar: str = ""  # the picture's version (avatars/avatar_storage.py); "": initials


class PeopleDirectory:
    def __init__(
        self,
        redis: Redis,
        people: Callable[[], AsyncCollection[Any]],
        profiles: Callable[[], AsyncCollection[Any]],
    ) -> None:
        self._redis = redis
        self._people = people  # chat's copy of the people (models/users.py ChatUser)
        self._profiles = profiles  # their avatars (profiles/profile_records.py Profile)
        self._write_card = redis.register_script(WRITE_CARD)
        self._cards_in_range = redis.register_script(CARDS_IN_RANGE)
        self._cards_of = redis.register_script(CARDS_OF)
        self._rebuilding = asyncio.Lock()

    async def changed(
        self,
        user_id: str,
        display_name: str | None = None,
        role: str | None = None,
        deactivated: bool | None = None,
        email: str | None = None,
        document_id: str | None = None,
        avatar: str | None = None,
    ) -> None:
        """Write-through of a change the store just applied (or of a record's ``_id`` read
        since)."""
        member = search = ""
        fields: list[str] = []
        if display_name is not None:
            member = name_member(display_name, user_id)
            search = "\n".join(search_entries(display_name, user_id))
            fields += ["name", display_name]
        if role is not None:
            fields += ["role", role]
        if deactivated is not None:
            fields += ["deactivated", "1" if deactivated else "0"]
        if email is not None:
            fields += ["email", email]
        if document_id is not None:
            fields += ["document", document_id]
        if avatar is not None:
            fields += ["avatar", avatar]
        keys = [card_key(user_id), NAMES, READY, DIRTY, FOLDED, WORDS, ADMINS]
        try:
            await self._write_card(keys, [user_id, member, search, *fields])
        except (RedisError, OSError) as error:
            log.warning("people directory not written, marking it for a rebuild: %s", error)
            with contextlib.suppress(RedisError, OSError):  # Valkey down: a write still stands
                await self._redis.delete(READY)

    async def page(self, after: str, size: int) -> tuple[list[PersonCard], str]:
        """Up to ``size`` active people whose member follows ``after`` ("": the first),
        and the member to continue after ("": no more)."""
        await self.ensure_ready()
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
        await self.ensure_ready()
        found: list[PersonCard] = []
        start = b"-"
        while True:
            cards, last = await self.cards_in_range(NAMES, start, b"+", chunk)
            found += cards
            if last is None:
                return found
            start = b"(" + last

    async def cards_in_range(
        self, key: str, start: bytes, stop: bytes, count: int
    ) -> tuple[list[PersonCard], bytes | None]:
        """The cards of up to ``count`` members of the sorted set ``key`` from ``start`` to
        ``stop`` (ZRANGEBYLEX's bounds), and the last member read when there may be more.
        The caller has made the index ready (``ensure_ready``)."""
        rows: list[Any] = await self._cards_in_range([key], [start, stop, count, card_key("")])
        cards = _cards(rows[1:])
        read = (len(rows) - 1) // len(CARD_FIELDS)
        return cards, rows[0] if read == count and rows[0] is not None else None

    async def cards_of(self, user_ids: list[str]) -> dict[str, PersonCard] | None:
        """The card of each of ``user_ids`` the directory holds (one script call per
        EVERYONE_CHUNK ids); None when the index is not ready."""
        await self.ensure_ready()
        found: dict[str, PersonCard] = {}
        for at in range(0, len(user_ids), EVERYONE_CHUNK):
            chunk = user_ids[at : at + EVERYONE_CHUNK]
            rows: list[Any] | None = await self._cards_of([READY], [card_key(""), *chunk])
            if rows is None:
                return None
            found |= {card.user_id: card for card in _cards(rows)}
        return found

    async def card(self, user_id: str) -> tuple[bool, PersonCard | None]:
        """(answered, the person's card): not answered while the index is incomplete."""
        await self.ensure_ready()  # one scan, then no read of a person scans
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.exists(READY)
            pipe.hgetall(card_key(user_id))
            ready, card = await pipe.execute()
        return bool(ready), _card(f"\0{user_id}", card) if ready else None

    async def administrators(self) -> set[str]:
        """The ids of the active administrators, as their cards say."""
        await self.ensure_ready()
        members: set[Any] = await self._redis.smembers(ADMINS)
        return {member.decode() for member in members}

    async def ensure_ready(self) -> None:
        """Rebuild the index from the store (one scan) unless it is ready."""
        if not await self._redis.exists(READY):
            await self._rebuild()

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
            avatars = {
                str(row["user_id"]): str(row["avatar"])
                async for row in self._profiles().find(
                    {"avatar": {"$gt": ""}}, {"user_id": 1, "avatar": 1, "_id": 0}
                )
            }
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.delete(NAMES, FOLDED, WORDS, ADMINS)
            async for raw in people:
                user_id, name = str(raw["user_id"]), str(raw["display_name"])
                member = name_member(name, user_id)
                search = search_entries(name, user_id)
                pipe.zadd(NAMES, {member: 0})
                pipe.zadd(FOLDED, {search[0]: 0})
                if search[1:]:
                    pipe.zadd(WORDS, dict.fromkeys(search[1:], 0))
                card: dict[Any, Any] = {"member": member, "name": name, "deactivated": _flag(raw)}
                card |= {"role": raw.get("role", "member"), "email": raw.get("email", "")}
                card |= {"document": str(raw["_id"]), "avatar": avatars.get(user_id, "")}
                card["search"] = "\n".join(search)
                pipe.hset(card_key(user_id), mapping=card)
                if card["role"] == ADMIN and card["deactivated"] == "0":
                    pipe.sadd(ADMINS, user_id)
            pipe.set(READY, b"1")
            try:
                await pipe.execute()
            except WatchError:
                return False
        log.info("people directory rebuilt")
        return True


def _flag(raw: dict[str, object]) -> str:
    return "1" if raw.get("deactivated") else "0"


def _cards(rows: list[Any]) -> list[PersonCard]:
    """The cards of a script's rows (CARD_FIELDS each; no name: no card)."""
    found: list[PersonCard] = []
    for at in range(0, len(rows), len(CARD_FIELDS)):
        values = [v.decode() if v is not None else None for v in rows[at : at + len(CARD_FIELDS)]]
        fields = dict(zip(CARD_FIELDS, values, strict=True))
        if fields["name"] is not None:  # no card: gone since the range was read, or no one
            found.append(_card_of_fields(str(fields["member"]), fields))
    return found


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
        avatar=fields.get("avatar") or "",
    )
