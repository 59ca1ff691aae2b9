"""The room clause from the cheaper side (room_filter.py) finds exactly what a term set of
the viewer's rooms finds: the same results, order, total and pages, for every kind of
viewer; and a room indexed after an earlier search is never let through."""

import random
from datetime import UTC, datetime, timedelta

import tantivy

from chat_svc.models.messages import MessageRecord
from chat_svc.search.index_schema import open_index
from chat_svc.search.index_writer import IndexWriter
from chat_svc.search.query_syntax import parse_query
from chat_svc.search.room_filter import (
    MOST_ROOMS_LISTED,
    MUST,
    MUST_NOT,
    RoomFilter,
    room_clause,
    rooms_named,
)
from chat_svc.search.search_index import Criteria, SearchIndex, build_query

START = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["apple", "banana", "cherry", "delta", "echo"]
# Rooms of very different sizes, so each side of the clause is the cheaper one for someone.
ROOM_SIZES = {"big": 60, "mid": 25, "small": 8, "tiny": 2, "dm-ann-bob": 5}
QUERIES = ["apple ", "apple banana ", '"banana cherry"', "ch", "from:ann", "delta has:link "]


def messages(rng: random.Random) -> list[MessageRecord]:
    made: list[MessageRecord] = []
    for room, size in ROOM_SIZES.items():
        for _ in range(size):
            body = " ".join(rng.choices(WORDS, k=rng.randint(2, 6)))
            made.append(
                MessageRecord(
                    room=room,
                    message_id=len(made) + 1,
                    author_id="u1",
                    author_name=rng.choice(["Ann", "Bob"]),
                    body=body + (" https://example.com" if rng.random() < 0.3 else ""),
                    posted_at=START + timedelta(minutes=rng.randrange(100_000)),
                )
            )
    return made


def edited_and_deleted(made: list[MessageRecord], rng: random.Random) -> list[MessageRecord]:
    """Edits and deletions leave deleted documents behind (counted in the term dictionary)."""
    changed = []
    for record in rng.sample(made, 30):
        deleted = rng.random() < 0.5
        changed.append(
            record.model_copy(
                update={"event_id": 10_000 + record.message_id, "deleted": deleted}
                | ({} if deleted else {"body": "echo apple edited"})
            )
        )
    return changed


async def test_every_viewer_gets_the_pages_the_term_set_of_their_rooms_gets() -> None:
    rng = random.Random(32)
    index, _ = open_index(None)
    writer = IndexWriter.try_open(index)
    assert writer is not None
    made = messages(rng)
    await writer.apply(made)
    await writer.apply(edited_and_deleted(made, rng))
    search = SearchIndex(index)
    rooms = sorted(ROOM_SIZES)
    viewers = [rooms, [r for r in rooms if r != "tiny"], ["big", "mid"], ["tiny"], ["dm-ann-bob"]]
    viewers += [sorted(rng.sample(rooms, rng.randint(1, len(rooms)))) for _ in range(6)]
    index.reload()
    searcher = index.searcher()
    sides = {str(clause and clause[0]) for v in viewers for clause in [room_clause(searcher, v)[0]]}
    assert sides == {"None", str(MUST), str(MUST_NOT)}  # every side is exercised
    for viewer in viewers:
        for text in QUERIES:
            for best_match in (False, True):
                for offset in (0, 7):
                    criteria = Criteria(
                        parse_query(text), viewer, "u1", best_match, offset, limit=7
                    )
                    expected = SearchIndex.search_with(
                        searcher, build_query(criteria, rooms_named(viewer)), criteria
                    )
                    assert search.search_blocking(criteria) == expected, (viewer, text)
                    assert expected.total > 0 or text == "delta has:link " or len(viewer) == 1


async def test_a_room_indexed_after_a_search_stays_out_of_the_next_ones() -> None:
    index, _ = open_index(None)
    writer = IndexWriter.try_open(index)
    assert writer is not None
    search = SearchIndex(index)
    made = messages(random.Random(1))
    await writer.apply(made)
    everyone = Criteria(parse_query("apple "), sorted(ROOM_SIZES), "u1")
    before = await search.search(everyone)
    assert before.total > 0
    # A direct room of two others gets its first message: the viewer is not in it.
    secret = made[0].model_copy(update={"room": "dm-cat-dan", "message_id": 999_999})
    await writer.apply([secret])
    after = await search.search(everyone)
    assert after.total == before.total
    assert all(found.room in ROOM_SIZES for found in after.results)
    everything = Criteria(parse_query("apple "), [*ROOM_SIZES, "dm-cat-dan"], "u1")
    assert (await search.search(everything)).total == before.total + 1


def test_no_clause_only_when_the_index_holds_no_other_room() -> None:
    index, _ = open_index(None)
    writer = index.writer()
    writer.add_document(tantivy.Document(room="general", live=1))
    writer.commit()
    index.reload()
    assert RoomFilter().clause(index.searcher(), ["general", "elsewhere"]) is None
    assert RoomFilter().clause(index.searcher(), ["elsewhere"]) is not None


def test_an_index_of_many_rooms_names_the_viewers_rooms_without_listing_each_time() -> None:
    index, _ = open_index(None)
    writer = index.writer()
    rooms = [f"dm-{n}" for n in range(MOST_ROOMS_LISTED + 1)]
    for room in rooms:
        writer.add_document(tantivy.Document(room=room, live=1))
    writer.commit()
    index.reload()
    rooms_filter = RoomFilter()
    assert rooms_filter.clause(index.searcher(), rooms) is None  # listed once: all readable
    clause = rooms_filter.clause(index.searcher(), rooms)  # then named, as before
    assert clause is not None and clause[0] == MUST
