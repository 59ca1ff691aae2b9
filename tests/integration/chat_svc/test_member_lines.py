"""Who came and went, in the room's log (issue 37, item 8): "Ada added Bob", "Cy joined",
"Bob left" on the page and live, and never unread."""

from __future__ import annotations

import re

from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import browser, room_stream
from tests.integration.chat_svc.test_streams import next_event


def sidebar_entry(page: str, slug: str) -> str:
    found = re.search(
        rf'<li class="sidebar-entry[^"]*"[^>]* data-room="{slug}".*?</li>', page, re.S
    )
    assert found is not None, slug
    return found[0]


async def test_lines_for_adds_joins_and_leaves_are_in_the_log_and_never_unread(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob, cy = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Cy"))
        await bob.csrf()
        plans = await ada.create_room("Plans", visibility="closed")
        lobby = await ada.create_room("Lobby")
        await ada.post(f"/rooms/{plans}/messages", body="Before Bob")
        await ada.post(f"/rooms/{plans}/members", name="Bob")
        await ada.post(f"/rooms/{plans}/members", name="Bob")  # already a member: no line
        _, bob_elsewhere = await bob.get("/rooms/general")
        await bob.post(f"/rooms/{plans}/leave")
        await cy.post(f"/rooms/{lobby}/join")
        _, plans_page = await ada.get(f"/rooms/{plans}")
        _, lobby_page = await ada.get(f"/rooms/{lobby}")
    assert "has-unread" not in sidebar_entry(bob_elsewhere, plans)
    assert plans_page.count("Ada added Bob") == 1 and "Bob left" in plans_page
    assert plans_page.index("Before Bob") < plans_page.index("Ada added Bob")
    assert plans_page.index("Ada added Bob") < plans_page.index("Bob left")
    assert "Cy joined" in lobby_page


async def test_a_line_reaches_the_rooms_open_pages_live(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as url,
        browser(url, ada) as ada_tab,
        browser(url, bob) as _,
    ):
        slug = await ada_tab.create_room("Plans", visibility="closed")
        async with room_stream(url, ada, slug) as (_, on_ada):
            added = await ada_tab.post(f"/rooms/{slug}/members", name="Bob")
            assert added.status_code == 303
            event = await next_event(on_ada, skip=("here", "unread", "sidebar"))
    assert event is not None and event.event == "member-line"
    assert "Ada added Bob" in event.data and "member-line" in event.data
