"""Who is in a room (issue 37, item 8): a members list from the room header, a second add
answered "already a member", and the added person's open tab told to redraw its sidebar."""

from __future__ import annotations

from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import browser, room_stream
from tests.integration.chat_svc.test_streams import next_event


async def test_the_members_list_and_a_second_add(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob, eve = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Eve"))
        await bob.csrf()
        slug = await ada.create_room("Plans", visibility="closed")
        _, room_page = await ada.get(f"/rooms/{slug}")
        first, _, _ = await ada.post(f"/rooms/{slug}/members", htmx=True, name="Bob")
        again, notice, _ = await ada.post(f"/rooms/{slug}/members", htmx=True, name="Bob")
        status, members = await ada.get(f"/rooms/{slug}/people")
        hidden_from_eve, _ = await eve.get(f"/rooms/{slug}/people")
    assert f'href="/rooms/{slug}/people"' in room_page
    assert first == 200 and again == 200
    assert "Bob is already a member" in notice and "can now read and write" not in notice
    assert status == 200 and "2 members" in members
    assert members.index("Ada") < members.index("Bob")  # by name
    assert hidden_from_eve == 404


async def test_the_added_persons_open_tab_is_told_to_redraw_its_sidebar(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as url,
        browser(url, ada) as ada_tab,
        browser(url, bob) as _,
    ):
        slug = await ada_tab.create_room("Plans", visibility="closed")
        async with room_stream(url, bob, "general") as (_, on_bob):
            added = await ada_tab.post(f"/rooms/{slug}/members", name="Bob")
            assert added.status_code == 303
            event = await next_event(on_bob, skip=("here", "unread"))
    assert event is not None and event.event == "sidebar"
