"""Open pages follow a room an administrator renames or archives, on another replica too:
the streams showing it or counting it redraw their sidebars, and those showing it retitle
their header (chat_svc/room_administration/live_room_changes.py)."""

from __future__ import annotations

import json

import httpx
from httpx_sse import ServerSentEvent

from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_bots import make_admin
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import Events, next_event, signed_in_client


async def _room_action(admin: httpx.AsyncClient, path: str, **fields: str) -> None:
    page = await admin.get("/settings/rooms")
    answer = await admin.post(path, data={"csrf_token": csrf_token_in(page.text), **fields})
    assert answer.status_code == 303, answer.text


async def _next_of(events: Events, name: str) -> ServerSentEvent:
    """The next ``name`` event (counts and who is here skipped); fails when none comes."""
    while True:
        event = await next_event(events, skip=("here", "unread"))
        assert event is not None, name
        if event.event == name:
            return event


async def test_a_rename_and_an_archive_reach_open_pages_on_another_replica(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with serve(make_chat_app()) as first, serve(make_chat_app()) as second:
        await make_admin(first, ada)
        async with signed_in_client(second, bob) as browser:
            page = await browser.get("/rooms")
            created = await browser.post(
                "/rooms", data={"name": "Lobby", "csrf_token": csrf_token_in(page.text)}
            )
            assert created.status_code == 303, created.text
            slug = created.headers["location"].removeprefix("/rooms/")
        async with (
            room_stream(second, bob, slug) as (_, in_lobby),
            room_stream(second, bob, "general") as (_, elsewhere),
            signed_in_client(first, ada) as admin,
        ):
            await _room_action(admin, f"/settings/rooms/{slug}/rename", name="Town Square")
            renamed = await _next_of(in_lobby, "room")
            assert json.loads(renamed.data) == {"name": "Town Square"}
            assert (await _next_of(elsewhere, "sidebar")).data == "rooms changed"

            await _room_action(admin, f"/settings/rooms/{slug}/archive")
            assert (await _next_of(elsewhere, "sidebar")).data == "rooms changed"
            async with signed_in_client(second, bob) as browser:
                redrawn = await browser.get("/sidebar", params={"room": "general"})
            assert f'data-room="{slug}"' not in redrawn.text  # hidden while archived
