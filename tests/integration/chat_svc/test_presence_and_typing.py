"""Who is here (every open stream, any replica, gone soon after its tab closes) and typing
signals (to the others' streams, at most one per person every 3 seconds, never stored)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import Events, next_event


async def next_named(events: Events, name: str) -> str:
    while True:
        event = await next_event(events, skip=())
        assert event is not None
        if event.event == name:
            return event.data


async def test_here_now_lists_both_people_across_replicas_and_drops_a_closed_tab(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        room_stream(first, ada, "general", "") as (_, ada_events),
    ):
        async with room_stream(second, bob, "general", ""):
            here = await next_named(ada_events, "here")
            while "Bob" not in here:
                here = await next_named(ada_events, "here")
            assert 'class="here-name">Ada</bdi>' in here and 'class="here-name">Bob</bdi>' in here
            async with httpx.AsyncClient(cookies={"chat_session": ada.token}) as client:
                page = await client.get(f"{first}/rooms/general")
            assert 'class="here-name">Bob</bdi>' in page.text  # on the page too, without JavaScript
        closed_at = time.monotonic()
        here = await next_named(ada_events, "here")
        assert "Bob" not in here and 'class="here-name">Ada</bdi>' in here
        assert time.monotonic() - closed_at < 10


async def test_typing_reaches_the_others_at_most_every_three_seconds(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as base,
        room_stream(base, bob, "general", "") as (_, bob_events),
        httpx.AsyncClient(base_url=base, cookies={"chat_session": ada.token}) as client,
    ):
        csrf = csrf_token_in((await client.get("/rooms/general")).text)
        for _ in range(3):
            response = await client.post("/rooms/general/typing", data={"csrf_token": csrf})
            assert response.status_code == 204
        signals = json.loads(await next_named(bob_events, "typing"))
        assert [signal["name"] for signal in signals] == ["Ada"]
        # The two more within 3 s were held back: nothing but presence follows for a while.
        try:
            async with asyncio.timeout(1.5):
                extra = await next_named(bob_events, "typing")
        except TimeoutError:
            extra = None
        assert extra is None
        forged = await client.post("/rooms/general/typing", data={"csrf_token": "forged"})
        assert forged.status_code == 400


async def test_signals_of_a_room_arrive_together_once_a_second(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """One frame per room and second, whoever is typing (the typing bench's budget)."""
    ada, cy, bob = (fake_auth.sign_in(name) for name in ("Ada", "Cy", "Bob"))
    async with (
        serve(make_chat_app()) as base,
        room_stream(base, bob, "general", "") as (_, bob_events),
        httpx.AsyncClient(base_url=base, cookies={"chat_session": ada.token}) as ada_client,
        httpx.AsyncClient(base_url=base, cookies={"chat_session": cy.token}) as cy_client,
    ):
        for client in (ada_client, cy_client):
            csrf = csrf_token_in((await client.get("/rooms/general")).text)
            response = await client.post("/rooms/general/typing", data={"csrf_token": csrf})
            assert response.status_code == 204
        first = json.loads(await next_named(bob_events, "typing"))
        names = {signal["name"] for signal in first}
        if names != {"Ada", "Cy"}:  # the two straddled a flush: the other comes next
            names |= {
                signal["name"] for signal in json.loads(await next_named(bob_events, "typing"))
            }
    assert names == {"Ada", "Cy"}
    assert all(len(signal["author"]) == 16 for signal in first)
