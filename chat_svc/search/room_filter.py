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
"""

from __future__ import annotations

import tantivy

from chat_svc.search.index_schema import SCHEMA

MUST, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.MustNot
RoomClause = tuple[tantivy.Occur, tantivy.Query]


def room_clause(searcher: tantivy.Searcher, rooms: list[str]) -> RoomClause | None:
    """Documents of ``rooms`` only, as asked of ``searcher`` (None: no clause needed)."""
    # Document counts per room (deleted documents included: a cost estimate only).
    indexed = dict(searcher.terms_with_prefix("room", ""))
    allowed = set(rooms)
    inside = sum(count for room, count in indexed.items() if room in allowed)
    outside = {room: count for room, count in indexed.items() if room not in allowed}
    if not outside:
        return None
    if sum(outside.values()) < inside:
        return MUST_NOT, tantivy.Query.term_set_query(SCHEMA, "room", sorted(outside))
    return rooms_named(rooms)


def rooms_named(rooms: list[str]) -> RoomClause:
    """The plain clause: a document of one of ``rooms``."""
    return MUST, tantivy.Query.term_set_query(SCHEMA, "room", rooms)
