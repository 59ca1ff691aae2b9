"""Who came and went, in the room's log (issue 37, item 8): "Ada added Bob", "Cy joined",
"Bob left" on the page, and never unread (live: test_room_members.py)."""

from __future__ import annotations

import re

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in


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
        _, around_page = await ada.get(f"/rooms/{plans}?around=1")  # "Before Bob" is 1
    assert "has-unread" not in sidebar_entry(bob_elsewhere, plans)
    assert plans_page.count("Ada added Bob") == 1 and "Bob left" in plans_page
    assert plans_page.index("Before Bob") < plans_page.index("Ada added Bob")
    assert plans_page.index("Ada added Bob") < plans_page.index("Bob left")
    assert "Cy joined" in lobby_page
    assert "Before Bob" in around_page and "Ada added Bob" in around_page
