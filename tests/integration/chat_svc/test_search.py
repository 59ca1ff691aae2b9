"""Search (issue 32) against real NATS, Valkey and the store: what is found, by whom, how
fast edits and deletions reach the index, and what odd input gets."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from quart import Quart

from chat_svc.events import MessagePosted
from chat_svc.models.messages import MessageRecord, event_of
from chat_svc.search.index_schema import key_of, open_index
from chat_svc.search.index_writer import keys_query
from chat_svc.search.indexer import LINGER_SECONDS, SearchIndexer
from chat_svc.search.rebuild_command import rebuild
from chat_svc.search.running_search import search_of
from chat_svc.search.search_index import SearchIndex
from chat_svc.search.search_page import PER_PAGE
from service_kit.messaging.jetstream import load_topology
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in

RESULT_LINK = re.compile(r'class="search-result-link" href="/rooms/([^"?]+)\?around=(\d+)"')


def found_in(page: str) -> list[tuple[str, int]]:
    return [(slug, int(i)) for slug, i in RESULT_LINK.findall(page)]


async def search(person: Person, query: str, **params: str) -> str:
    response = await person.client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200, query
    return await response.get_data(as_text=True)


async def until(
    person: Person, query: str, holds: Callable[[list[tuple[str, int]]], bool], within: float
) -> float:
    """Seconds until the results for ``query`` satisfy ``holds``; fails past ``within``."""
    started = time.monotonic()
    while True:
        page = await search(person, query)
        if holds(found_in(page)):
            return time.monotonic() - started
        assert time.monotonic() - started < within, f"{query!r}: {found_in(page)}"
        await asyncio.sleep(0.02)


async def indexer_bound(app: Quart) -> None:
    await asyncio.wait_for(search_of(app).indexer.consumer.bound.wait(), 10)


async def test_found_by_word_prefix_folded_accent_cjk_phrase_and_filters(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        await indexer_bound(app)
        ann, bob = sign_in(test_app, fake_auth, "Ann Lee"), sign_in(test_app, fake_auth, "Bob")
        await ann.say("general", "The quarterly meetings moved to the Café on Friday")
        await ann.say("general", "東京で会いましょう see https://example.com/plan")
        await bob.say("general", "a meeting about <b>bold</b> plans, @Ann Lee")
        await until(ann, "bold", lambda found: len(found) == 1, within=5)

        def messages(query: str) -> set[int]:
            return {message_id for _, message_id in found_in(pages[query])}

        queries = [
            "meeting",  # stemmed: meetings, meeting
            "quarter",  # the last word is a prefix while typing
            "cafe",  # accent folded
            "CAFÉ",
            "東京",  # CJK
            '"quarterly meetings"',
            '"meetings quarterly"',
            "meeting from:bob",
            "meeting from:ann",
            "has:link",
            "is:mention",
            "meeting in:general from:ann",
            "meeting after:2000-01-01 before:2999-01-01",
            "meeting before:2000-01-01",
        ]
        pages = {query: await search(ann, query) for query in queries}
        first, second, third = sorted(messages("meeting") | messages("東京"))
        assert messages("meeting") == {first, third}
        assert messages("quarter") == messages("cafe") == messages("CAFÉ") == {first}
        assert messages("東京") == {second}
        assert messages('"quarterly meetings"') == {first}
        assert messages('"meetings quarterly"') == set()
        assert messages("meeting from:bob") == {third}
        assert messages("meeting from:ann") == {first}
        assert messages("has:link") == {second}
        assert messages("is:mention") == {third}  # Bob mentioned Ann
        assert messages("meeting in:general from:ann") == {first}
        assert messages("meeting after:2000-01-01 before:2999-01-01") == {first, third}
        assert messages("meeting before:2000-01-01") == set()
        # Newest first; the match is marked, and typed markup stays text.
        assert found_in(pages["meeting"])[0][1] == third
        assert "&lt;b&gt;bold&lt;/b&gt;" in pages["meeting"]
        assert "<mark>meeting</mark>" in pages["meeting"]
        assert "<b>bold</b>" not in pages["meeting"]


async def test_only_rooms_one_is_a_member_of_now(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        await indexer_bound(app)
        ann, bob, cy = (sign_in(test_app, fake_auth, name) for name in ("Ann", "Bob", "Cy"))
        dm = await ann.open_dm(bob)
        await ann.say(dm, "the secret pineapple recipe")
        plans = await bob.create_room("plans")
        assert (await cy.post(f"/rooms/{plans}/join"))[0] == 303
        await bob.say(plans, "pineapple budget for the party")
        await until(bob, "pineapple", lambda found: len(found) == 2, within=5)
        page = await search(cy, "pineapple")
        assert found_in(page) == [(plans, found_in(page)[0][1])]
        assert "secret" not in page
        assert (await cy.post(f"/rooms/{plans}/leave"))[0] == 303
        page = await search(cy, "pineapple")
        assert found_in(page) == [] and "budget" not in page and "Nothing found" in page
        assert len(found_in(await search(ann, "pineapple"))) == 1  # her DM only


async def test_an_edit_or_a_deletion_reaches_the_index_within_a_second(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        await indexer_bound(app)
        ann = sign_in(test_app, fake_auth, "Ann")
        await ann.say("general", "Teh launch is at ten")
        await until(ann, "launch", lambda found: len(found) == 1, within=5)
        ((_, message_id),) = found_in(await search(ann, "launch"))
        edit = f"/rooms/general/messages/{message_id}/edit"
        assert (await ann.post(edit, body="The rocket lifts off at ten"))[0] == 303
        assert await until(ann, "rocket", lambda found: len(found) == 1, within=1.0) < 1.0
        assert found_in(await search(ann, "launch")) == []
        assert (await ann.post(f"/rooms/general/messages/{message_id}/delete"))[0] == 303
        assert await until(ann, "rocket", lambda found: found == [], within=1.0) < 1.0
        # The text is gone from the index itself, not only hidden from results.
        index = search_of(app).index.index
        index.reload()
        stored = [
            index.searcher().doc(address).to_dict()
            for _, address in index.searcher()
            .search(index.parse_query(f"key:general\\:{message_id}"), 10)
            .hits
        ]
        assert stored and all("body" not in document for document in stored)


async def test_posts_logged_within_the_linger_share_a_commit(
    nats_client: NATS, jetstream: JetStreamContext
) -> None:
    """At 100 msg/s a fetch brings about one message: without the indexer's linger each was
    a commit of its own (a new segment and an fsync). The indexer alone, on an index in
    memory, lingering longer than the posts take so the count does not hang on the speed of
    this machine's commits."""
    index, _ = open_index(None)
    indexer = SearchIndexer(nats_client, jetstream, load_topology(), SearchIndex(index), False)
    assert indexer.consumer.linger_seconds == LINGER_SECONDS > 0
    indexer.consumer.linger_seconds = 1.0
    running = asyncio.create_task(indexer.run())
    try:
        await asyncio.wait_for(indexer.consumer.bound.wait(), 10)
        now = datetime.now(UTC).replace(microsecond=0)
        for message_id in range(1, 11):  # one every 50 ms
            post = MessageRecord(
                room="general", message_id=message_id, author_id="a", author_name="A",
                body=f"post {message_id}", posted_at=now,
            )  # fmt: skip
            await jetstream.publish(
                MessagePosted.subject_for("general"), event_of(post, MessagePosted).to_bytes()
            )
            await asyncio.sleep(0.05)
        keys = keys_query([key_of("general", message_id) for message_id in range(1, 11)])
        async with asyncio.timeout(10):
            while len(index.searcher().search(keys, 20).hits) < 10:
                await asyncio.sleep(0.02)
                index.reload()
    finally:
        indexer.stop()
        await running
    assert indexer.writer is not None
    # The first alone (the indexer was waiting), the other nine after the linger.
    assert indexer.writer.commits <= 2


async def test_odd_input_gets_a_clear_page_and_searching_is_rate_limited(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app(search_rate_count=14)
    async with app.test_app() as test_app:
        ann = sign_in(test_app, fake_auth, "Ann")
        hostile = [
            "",
            "x" * 10_000,
            'unbalanced "quote',
            "in: from: before:tomorrow has:nothing",
            "body:foo AND (bar OR",
            ".*[a-z]+(",
            "🎉🎉",
            "a" * 200 + "*",
            '"""',
            "in:nowhere",
            "has:file",
        ]
        for query in hostile:
            page = await search(ann, query)
            assert "search-region" in page and "Traceback" not in page
        assert "Type a word" in await search(ann, "")
        assert "is not a date" in await search(ann, "before:tomorrow")
        assert "are not indexed" in await search(ann, "🎉🎉")  # not every message
        # The 15th search in the period.
        response = await ann.client.get("/search", query_string={"q": "more"})
        assert response.status_code == 429


async def test_a_missing_index_is_rebuilt_from_the_database_and_on_request(
    make_chat_app: AppFactory, fake_auth: FakeAuth, tmp_path: Path
) -> None:
    first = make_chat_app(search_index_dir=str(tmp_path / "index"))
    async with first.test_app() as test_app:
        await indexer_bound(first)
        ann = sign_in(test_app, fake_auth, "Ann")
        await ann.say("general", "kept in the database")
        await until(ann, "kept", lambda found: len(found) == 1, within=5)
    shutil.rmtree(tmp_path / "index")  # its events were acked: only the database has it
    again = make_chat_app(search_index_dir=str(tmp_path / "index"))
    async with again.test_app() as test_app:
        ann = sign_in(test_app, fake_auth, "Ann")
        await until(ann, "kept", lambda found: len(found) == 1, within=10)
        settings = again.extensions["settings"]
        assert await rebuild(settings) == (
            "Rebuilt the search index from the database: 1 messages."
        )
        assert len(found_in(await search(ann, "kept"))) == 1


async def test_two_replicas_answer_alike_from_one_index(
    make_chat_app: AppFactory, fake_auth: FakeAuth, tmp_path: Path
) -> None:
    """One writes (it holds the index's lock), both read (the lock's release on stop:
    tests/unit/chat_svc/search/test_index_writer.py; two apps of one process share the
    database client, so one cannot stop while the other goes on)."""
    first = make_chat_app(search_index_dir=str(tmp_path))
    second = make_chat_app(search_index_dir=str(tmp_path))
    async with second.test_app() as two, first.test_app() as one:
        while not (search_of(first).indexer.writer or search_of(second).indexer.writer):
            await asyncio.sleep(0.01)  # each tries for the lock as it starts
        writer, reader = (first, second) if search_of(first).indexer.writer else (second, first)
        await indexer_bound(writer)
        assert search_of(reader).indexer.writer is None
        ann_on_one = sign_in(one, fake_auth, "Ann")
        await ann_on_one.csrf()
        ann_on_two = Person(ann_on_one.session, ann_on_one.same_browser_on(two))
        await ann_on_one.say("general", "written through the first replica")
        await until(ann_on_two, "replica", lambda found: len(found) == 1, within=5)
        await ann_on_two.say("general", "and another through the second replica")
        await until(ann_on_one, "replica", lambda found: len(found) == 2, within=5)


async def test_results_come_in_pages_with_a_plain_link_and_an_htmx_one(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        await indexer_bound(app)
        ann, bob = sign_in(test_app, fake_auth, "Ann"), sign_in(test_app, fake_auth, "Bob")
        for n in range(PER_PAGE + 1):
            await (ann if n % 2 else bob).say("general", f"note number {n}")
        # A full first page is not every message: the indexer commits in groups, so the
        # last post can still be on its way (this failed once on a loaded machine).
        async with asyncio.timeout(5):
            while f"{PER_PAGE + 1} messages found" not in (first := await search(ann, "note ")):
                await asyncio.sleep(0.02)
        assert 'href="/search?q=note+&amp;sort=newest&amp;page=2"' in first
        response = await ann.client.get(
            "/search",
            query_string={"q": "note ", "page": "2", "fragment": "items"},
            headers={"HX-Request": "true"},
        )
        rest = await response.get_data(as_text=True)
        assert len(found_in(rest)) == 1 and "<html" not in rest and "More results" not in rest
        assert set(found_in(first)).isdisjoint(found_in(rest))
