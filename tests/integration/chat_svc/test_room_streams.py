"""Room streams over real sockets: direct messages live across replicas, unread counts of
other rooms through the one stream of the tab, per-room resume, access ending at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from httpx_sse import EventSource

from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.people import person_handle
from tests.integration.chat_svc.test_streams import Events, next_event


class Browser:
    """A person's plain-HTML tab: forms posted with their CSRF token, 303s not followed."""

    def __init__(self, client: httpx.AsyncClient, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    async def post(self, path: str, **fields: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf_token": self.csrf, **fields})

    async def create_room(self, name: str, visibility: str = "open") -> str:
        response = await self.post("/rooms", name=name, visibility=visibility)
        assert response.status_code == 303, response.text
        return response.headers["location"].removeprefix("/rooms/")

    async def say(self, slug: str, body: str) -> None:
        response = await self.post(f"/rooms/{slug}/messages", body=body)
        assert response.status_code == 303, response.text


@asynccontextmanager
async def browser(base_url: str, session: FakeSession) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(
        base_url=base_url, cookies={"chat_session": session.token}
    ) as client:
        page = await client.get("/rooms")
        assert page.status_code == 200, page.text
        yield Browser(client, csrf_token_in(page.text))


@asynccontextmanager
async def room_stream(
    base_url: str, session: FakeSession, slug: str, query: str = "?after=0", **headers: str
) -> AsyncIterator[tuple[int, Events]]:
    async with (
        httpx.AsyncClient(base_url=base_url, cookies={"chat_session": session.token}) as client,
        client.stream("GET", f"/rooms/{slug}/events{query}", headers=headers) as response,
    ):
        yield response.status_code, EventSource(response).aiter_sse()


async def next_ids(events: Events, count: int) -> list[int]:
    """The ids of the next ``count`` messages (count updates in between are skipped)."""
    ids: list[int] = []
    while len(ids) < count:
        event = await next_event(events)
        assert event is not None and event.event in ("message", "unread"), event
        if event.event == "message":
            ids.append(int(event.id))
    return ids


async def next_unread(events: Events) -> dict[str, int]:
    """The next unread-count event, as {room: count}."""
    event = await next_event(events)
    assert event is not None and event.event == "unread", event
    return {update["room"]: update["count"] for update in json.loads(event.data)}


async def test_two_people_in_a_direct_room_chat_live_across_replicas(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob, eve = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob"), fake_auth.sign_in("Eve")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        browser(first, ada) as ada_tab,
        browser(second, bob) as bob_tab,
    ):
        people = (await ada_tab.client.get("/people")).text
        opened = await ada_tab.post("/dm", person=person_handle(people, "Bob"))
        slug = opened.headers["location"].removeprefix("/rooms/")
        async with (
            room_stream(first, ada, slug) as (_, on_ada),
            room_stream(second, bob, slug) as (_, on_bob),
            room_stream(second, eve, slug) as (eve_status, _),
            room_stream(second, eve, "no-such-room") as (unknown_status, _),
        ):
            await ada_tab.say(slug, "hi Bob")
            await bob_tab.say(slug, "hi Ada")
            assert await next_ids(on_ada, 2) == [1, 2]
            assert await next_ids(on_bob, 2) == [1, 2]
    assert eve_status == unknown_status == 404


async def test_an_unread_count_rises_live_in_another_room_and_clears_when_read(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    reader, poster = make_chat_app(), make_chat_app()
    async with (
        serve(reader) as first,
        serve(poster) as second,
        browser(first, ada) as ada_tab,
        browser(second, bob) as bob_tab,
    ):
        design = await ada_tab.create_room("Design")
        async with room_stream(first, ada, design) as (_, on_design):
            # The stream opens with the counts of Ada's other rooms (the page's may be stale).
            assert await next_unread(on_design) == {"general": 0}
            # Only rooms a local stream shows or counts are subscribed (and decoded).
            assert services_of(reader).live.subscriptions.followed_rooms == {design, "general"}
            assert services_of(poster).live.subscriptions.followed_rooms == set()
            for number in range(3):
                await bob_tab.say("general", f"news {number}")
            # Three messages within the second: one update, with the total.
            assert await next_unread(on_design) == {"general": 3}
            await bob_tab.say("general", "one more")
            assert await next_unread(on_design) == {"general": 4}
            # Ada opens general in another tab (or device): this tab's count clears.
            assert (await ada_tab.client.get("/rooms/general")).status_code == 200
            assert await next_unread(on_design) == {"general": 0}
        async with asyncio.timeout(10):  # the last stream gone: nothing stays subscribed
            while services_of(reader).live.subscriptions.followed_rooms:
                await asyncio.sleep(0.01)


async def test_a_resume_replays_exactly_the_missed_messages_of_that_room(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base, browser(base, ada) as tab:
        design = await tab.create_room("Design")
        async with room_stream(base, ada, design) as (_, events):
            await tab.say(design, "before the drop")
            assert await next_ids(events, 1) == [1]
        # The network dropped; both rooms get messages meanwhile.
        for number in range(2):
            await tab.say("general", f"general {number}")
            await tab.say(design, f"design {number}")
        async with (
            room_stream(base, ada, design, "?after=1") as (_, by_query),
            room_stream(base, ada, design, "?after=0", **{"Last-Event-ID": "1"}) as (_, by_id),
        ):
            assert await next_ids(by_query, 2) == [2, 3]
            assert await next_ids(by_id, 2) == [2, 3]
            await tab.say("general", "elsewhere")
            await tab.say(design, "after the reconnect")
            assert await next_ids(by_query, 1) == [4]
            assert await next_ids(by_id, 1) == [4]


async def test_leaving_a_closed_room_ends_the_streams_of_it_on_every_replica(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        browser(first, ada) as tab,
    ):
        secret = await tab.create_room("Secret", visibility="closed")
        async with room_stream(second, ada, secret) as (status, events):
            assert status == 200
            assert (await tab.post(f"/rooms/{secret}/leave")).status_code == 303
            closing = await next_event(events)
            while closing is not None and closing.event == "unread":
                closing = await next_event(events)
            assert closing is not None and closing.event == "gone"
            assert await next_event(events) is None
        async with room_stream(second, ada, secret) as (again, _):
            assert again == 404
