"""What the room page says (issue 37, low items): a person looking into an open room is
asked to join to write, not to "say hello" (24); the notification settings are not listed
under "Direct messages" (25)."""

from __future__ import annotations

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in


async def test_looking_in_asks_to_join_and_the_sidebar_sorts_its_links(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        slug = await ada.create_room("Quiet")
        _, member_page = await ada.get(f"/rooms/{slug}")
        _, looking_in = await bob.get(f"/rooms/{slug}")
    assert "Say hello!" in member_page
    assert "Say hello!" not in looking_in and "Join to write here." in looking_in
    assert looking_in.count("Join this room") == 1
    assert looking_in.index("Join to write here.") < looking_in.index("Join this room")
    # Settings sit in the account menu (the header), never under "Direct messages".
    menu = member_page.index('class="menu account-menu"')
    settings = member_page.index("Notification settings")
    assert menu < settings < member_page.index(">Direct messages</h2>")
    assert member_page.count("Notification settings") == 1


async def test_a_taken_room_name_links_to_the_room_only_when_the_person_may_see_it(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """Issue 37, item 22: a way to the room that has the name, and nothing about a closed
    room the person is not in."""
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        open_slug = await ada.create_room("Design")
        await ada.create_room("Secret", visibility="closed")
        _, _, _ = await bob.post("/rooms", name="design", visibility="open")
        status, open_taken, _ = await bob.post("/rooms", htmx=True, name="design")
        _, closed_taken, _ = await bob.post("/rooms", htmx=True, name="secret")
    assert status == 422
    assert f'<a href="/rooms/{open_slug}">Go to Design</a>' in open_taken
    assert "/rooms/secret" not in closed_taken and "Go to" not in closed_taken
