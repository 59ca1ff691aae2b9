"""Who is in a room (issue 37, item 8): a members list from the room header, a second add
answered "already a member", and the added person's open tab told to redraw its sidebar."""

from __future__ import annotations

from redis.asyncio import Redis

from chat_svc.models.messages import account_handle
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.directory_index import READY
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import browser, room_stream
from tests.integration.chat_svc.test_streams import next_event
from tests.support.database_commands import database_commands

OTHERS = 200  # people stored whose names start with "L"


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


async def test_adding_one_of_two_people_with_the_same_name(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """Issue 37, item 9: the name alone answers with each one's account tag; the name with
    a tag adds exactly that person."""
    async with make_chat_app().test_app() as test_app:
        ada, grace, other_grace = (
            sign_in(test_app, fake_auth, name) for name in ("Ada", "Grace Hopper", "grace hopper")
        )
        await grace.csrf()
        await other_grace.csrf()
        slug = await ada.create_room("Plans", visibility="closed")
        tag, other_tag = account_handle(grace.user_id), account_handle(other_grace.user_id)
        both, answer, _ = await ada.post(f"/rooms/{slug}/members", name="Grace Hopper")
        added, _, _ = await ada.post(f"/rooms/{slug}/members", name=f"Grace Hopper~{tag}")
        _, grace_sees = await grace.get(f"/rooms/{slug}")
        not_added, _ = await other_grace.get(f"/rooms/{slug}")
    assert both == 422
    assert f"Grace Hopper~{tag}" in answer and f"grace hopper~{other_tag}" in answer
    assert added == 303 and not_added == 404
    assert "Add to the room" in grace_sees


async def test_the_added_persons_open_tab_is_told_to_redraw_its_sidebar(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """And the room's open pages get the line "Ada added Bob" live (issue 37, item 8)."""
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as url,
        browser(url, ada) as ada_tab,
        browser(url, bob) as _,
    ):
        slug = await ada_tab.create_room("Plans", visibility="closed")
        async with (
            room_stream(url, bob, "general") as (_, on_bob),
            room_stream(url, ada, slug) as (_, on_ada),
        ):
            added = await ada_tab.post(f"/rooms/{slug}/members", name="Bob")
            assert added.status_code == 303
            event = await next_event(on_bob, skip=("here", "unread"))
            line = await next_event(on_ada, skip=("here", "unread", "sidebar"))
    assert event is not None and event.event == "sidebar"
    assert line is not None and line.event == "member-line"
    assert "Ada added Bob" in line.data and "member-line" in line.data


async def test_the_suggestions_of_people_to_add(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """Issue 37, item 9: people not in the room yet whose name starts with what was typed,
    a shared name written with its tag; only for the closed room's members."""
    async with make_chat_app().test_app() as test_app:
        ada, bob, grace, other_grace = (
            sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Grace", "Grace")
        )
        for person in (bob, grace, other_grace):
            await person.csrf()
        slug = await ada.create_room("Plans", visibility="closed")
        await ada.post(f"/rooms/{slug}/members", name="Bob")
        _, graces = await ada.get(f"/rooms/{slug}/add-suggestions?q=gr")
        _, bob_is_in = await ada.get(f"/rooms/{slug}/add-suggestions?q=bo")
        not_a_member, _ = await grace.get(f"/rooms/{slug}/add-suggestions?q=gr")
        open_room, _ = await ada.get("/rooms/general/add-suggestions?q=gr")
    assert f'data-value="Grace~{account_handle(grace.user_id)}"' in graces
    assert f'data-value="Grace~{account_handle(other_grace.user_id)}"' in graces
    assert grace.user_id not in graces and "@example.com" not in graces
    assert 'role="option"' not in bob_is_in
    assert not_a_member == 404 and open_room == 404


async def test_suggestions_adding_by_name_and_the_member_list_read_no_one_else(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    """Issue 28: the suggestions and "add by name" read a range of the people directory's
    names, not every card; the member list's names come from the cards, not the store (on
    FerretDB every read of ``users`` scans it)."""
    with database_commands() as counter:
        app = make_chat_app()
        async with app.test_app() as test_app:
            ada, bob, grace = (sign_in(test_app, fake_auth, n) for n in ("Ada", "Bob", "Grace Lee"))
            for person in (bob, grace):
                await person.csrf()
            slug = await ada.create_room("Plans", visibility="closed")
            await ChatUser.get_pymongo_collection().insert_many(
                {"user_id": f"p{n:03}", "email": f"p{n}@example.com", "display_name": f"L {n:03}"}
                for n in range(OTHERS)
            )
            await redis_client.delete(READY)
            await ada.get("/people")  # the directory is rebuilt with them (one scan)
            await redis_client.config_resetstat()
            counter.armed = True
            _, lees = await ada.get(f"/rooms/{slug}/add-suggestions?q=le")  # a later word
            added, _, _ = await ada.post(f"/rooms/{slug}/members", name="bob")
            services_of(app).reads.members.forget_all()
            _, members = await ada.get(f"/rooms/{slug}/people")
            counter.armed = False
            card_reads = (await redis_client.info("commandstats")).get("cmdstat_hmget", {})
    assert 'data-value="Grace Lee"' in lees and 'data-value="L 000"' not in lees
    assert added == 303 and "2 members" in members and "Bob" in members
    assert ("find", "users") not in counter.sent, counter.sent
    assert card_reads.get("calls", 0) < OTHERS / 4, card_reads  # a few cards, not everyone's
