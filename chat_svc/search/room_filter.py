"""The rooms clause of a search, from whichever side is cheaper to ask.

tantivy answers a room term set by first marking every document of those rooms, so a
person in most rooms pays for most of the index on every query (2-6 ms of a one-word
search at 1,000,000 messages). The same documents are those *not* in the rooms the
person is outside of, so the clause names whichever side holds fewer documents: the
person's rooms (must be in one), or every other room the index holds (must be in none;
no clause at all when the person may read every room in it).

"Every other room the index holds" is read from the term dictionary of the very searcher
the query runs on: every document of that searcher, live or deleted, has its room's term
there, so a room indexed a moment ago is either in the list (and excluded) or not yet
visible to the query. A list kept from an earlier searcher could miss it: never cache it.

Listing the rooms costs 0.1-0.2 ms for 200-500 rooms but 110 ms for 50,000 direct rooms,
so an index of many rooms goes back to naming the viewer's rooms, and looks again after a
while (rooms are deleted too).
"""

from __future__ import annotations

import time

import tantivy

from chat_svc.search.index_schema import SCHEMA

MUST, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.MustNot
RoomClause = tuple[tantivy.Occur, tantivy.Query]
MOST_ROOMS_LISTED = 500  # 0.2 ms of listing measured: less than the clause saves
RECOUNT_SECONDS = 600.0


class RoomFilter:
    def __init__(self) -> None:
        # Until then the index held too many rooms to list (shared by the search threads:
        # a cost guess only, never what decides who reads what).
        self.named_until = 0.0

    def clause(self, searcher: tantivy.Searcher, rooms: list[str]) -> RoomClause | None:
        """Documents of ``rooms`` only, as asked of ``searcher`` (None: no clause needed)."""
        if time.monotonic() < self.named_until:
            return rooms_named(rooms)
        clause, listed = room_clause(searcher, rooms)
        if listed > MOST_ROOMS_LISTED:
            self.named_until = time.monotonic() + RECOUNT_SECONDS
        return clause


def room_clause(searcher: tantivy.Searcher, rooms: list[str]) -> tuple[RoomClause | None, int]:
    """The cheaper clause for ``rooms`` on ``searcher``, and how many rooms it holds."""
    # Document counts per room (deleted documents included: a cost estimate only).
    indexed = dict(searcher.terms_with_prefix("room", ""))
    allowed = set(rooms)
    inside = sum(count for room, count in indexed.items() if room in allowed)
    outside = {room: count for room, count in indexed.items() if room not in allowed}
    clause: RoomClause | None = None
    if sum(outside.values()) >= inside:
        clause = rooms_named(rooms)
    elif outside:
        clause = MUST_NOT, tantivy.Query.term_set_query(SCHEMA, "room", sorted(outside))
    return clause, len(indexed)


def rooms_named(rooms: list[str]) -> RoomClause:
    """The plain clause: a document of one of ``rooms``."""
    return MUST, tantivy.Query.term_set_query(SCHEMA, "room", rooms)
