"""People by what their name starts with, or by their whole name, case-insensitive: a
range of the directory's sorted sets of folded names (directory_index.py ``FOLDED``, and
``WORDS`` for a later word of a name), never every card (60-100 ms at 10,000 people).

Members sort by their UTF-8 bytes, so a prefix's range is ``[prefix`` to ``(prefix\\xff``
(no UTF-8 text holds the byte 0xff), and a whole name's is ``[name\\0`` to ``(name\\x01``.
Answers are None when the directory cannot say (the caller reads every person instead)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chat_svc.people_directory.directory_index import (
    FOLDED,
    WORDS,
    PeopleDirectory,
    PersonCard,
    folded,
)
from chat_svc.people_directory.installation import ask_directory

RANGE_PAGE = 50  # members a script call reads
MOST_READ = 1_000  # members read for one group at most (the rest are not suggested)


async def people_starting_with(
    typed: str, wanted: Callable[[PersonCard], bool], limit: int
) -> list[PersonCard] | None:
    """``starting_with`` from the installed directory; None when it cannot say."""
    return await ask_directory(lambda directory: starting_with(directory, typed, wanted, limit))


async def people_named(names: Iterable[str]) -> list[PersonCard] | None:
    """``named`` from the installed directory; None when it cannot say."""
    return await ask_directory(lambda directory: named(directory, names))


async def starting_with(
    directory: PeopleDirectory, typed: str, wanted: Callable[[PersonCard], bool], limit: int
) -> list[PersonCard]:
    """Up to ``limit`` people ``wanted`` lets through whose name starts with ``typed``, by
    folded name; then those with a later word starting with it (as mentions' suggestions
    order them, actions/mentions.py)."""
    await directory.ensure_ready()
    text = folded(typed)
    query = text.encode()
    found = await _read_range(directory, FOLDED, query, wanted, limit)
    if len(found) < limit and text and not any(c.isspace() for c in text):  # a word's
        seen = {card.user_id for card in found}
        later = await _read_range(
            directory, WORDS, query, lambda c: c.user_id not in seen and wanted(c), limit
        )
        found += later[: limit - len(found)]
    return found


async def named(directory: PeopleDirectory, names: Iterable[str]) -> list[PersonCard]:
    """Everyone whose whole name is one of ``names`` (case-insensitive), deactivated too."""
    await directory.ensure_ready()
    found: dict[str, PersonCard] = {}
    for name in dict.fromkeys(folded(name).encode() for name in names):
        cards, _ = await directory.cards_in_range(
            FOLDED, b"[" + name + b"\0", b"(" + name + b"\x01", MOST_READ
        )
        found |= {card.user_id: card for card in cards}
    return list(found.values())


async def _read_range(
    directory: PeopleDirectory,
    key: str,
    prefix: bytes,
    wanted: Callable[[PersonCard], bool],
    limit: int,
) -> list[PersonCard]:
    found: dict[str, PersonCard] = {}  # a person once, though two words of theirs match
    start, read = b"[" + prefix, 0
    while len(found) < limit and read < MOST_READ:
        cards, last = await directory.cards_in_range(
            key, start, b"(" + prefix + b"\xff", RANGE_PAGE
        )
        found |= {card.user_id: card for card in cards if wanted(card)}
        read += RANGE_PAGE
        if last is None:
            break
        start = b"(" + last
    return list(found.values())[:limit]
