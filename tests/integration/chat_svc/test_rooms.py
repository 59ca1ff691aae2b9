"""Rooms, closed rooms and direct messages without JavaScript: who sees what, the forms,
unread counts and read positions."""

from __future__ import annotations

import re

import pytest

from chat_svc.actions.direct_rooms import direct_slug
from chat_svc.events import MembershipChanged
from chat_svc.models.rooms import insert_room
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import (
    bold_rooms,
    person_handle,
    sidebar_counts,
    sign_in,
    without_draft_key,
)


async def test_home_goes_to_general_then_to_the_room_opened_last(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        first = await ada.client.get("/")
        slug = await ada.create_room("Design")
        assert (await ada.get(f"/rooms/{slug}"))[0] == 200
        second = await ada.client.get("/")
        await ada.get("/rooms/general")
        third = await ada.client.get("/")
    assert (first.status_code, first.headers["Location"]) == (303, "/rooms/general")
    assert (second.status_code, second.headers["Location"]) == (303, f"/rooms/{slug}")
    assert third.headers["Location"] == "/rooms/general"


async def test_a_new_room_lists_its_creator_as_member_and_others_can_join(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        slug = await ada.create_room("  Design   reviews ")
        _, listing = await bob.get("/rooms")
        _, page = await bob.get(f"/rooms/{slug}")
        status, _, location = await bob.post(f"/rooms/{slug}/join")
        _, joined_listing = await bob.get("/rooms")
        htmx_created = await bob.client.post(
            "/rooms",
            form={"csrf_token": await bob.csrf(), "name": "Made with htmx too"},
            headers={"HX-Request": "true"},
        )
    assert slug == "design-reviews"
    # htmx is told to navigate: a followed 303 would put the room page inside the form.
    assert htmx_created.status_code == 200
    assert htmx_created.headers["HX-Redirect"] == "/rooms/made-with-htmx-too"
    assert "Design reviews" in listing and "1 member" in listing
    assert f'action="/rooms/{slug}/join"' in listing
    assert "Join this room" in page and 'id="message-form"' not in page  # looking in
    assert (status, location) == (303, f"/rooms/{slug}")
    assert "2 members" in joined_listing
    assert f'data-room="{slug}"' in joined_listing  # in Bob's sidebar now


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("   ", "Give the room a name."),
        ("x" * 81, "at most 80 characters; this one has 81"),
        ("GENERAL", "There is already a room called"),
    ],
)
async def test_a_bad_room_name_is_refused_with_the_form_and_its_error(
    make_chat_app: AppFactory, fake_auth: FakeAuth, name: str, error: str
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        status, page, _ = await ada.post("/rooms", name=name, visibility="open")
        htmx_status, fragment, _ = await ada.post("/rooms", htmx=True, name=name, visibility="open")
    assert status == 422 and error in page and "<html" in page
    assert htmx_status == 422 and error in fragment and "<html" not in fragment
    assert fragment.lstrip().startswith('<form id="room-form"')


@pytest.mark.parametrize(
    "name",
    [
        "general\u200b",  # looks like general
        "\u202eslaer\u202c Payroll",
        "Nul\x00Room",
        "Esc\x1b[31mRoom",
        "\ufeffBOM room",
        "Line\u2028break",
    ],
    ids=repr,
)
async def test_a_room_name_follows_the_display_name_rules(
    make_chat_app: AppFactory, fake_auth: FakeAuth, name: str
) -> None:
    # Issue 29 item 5: invisible, bidi and control characters reached sidebars and e-mails.
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        status, page, _ = await ada.post("/rooms", name=name, visibility="open")
    assert status == 422 and "no line breaks, tabs or invisible characters" in page


async def test_names_differing_in_case_clash_and_colliding_slugs_get_a_suffix(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        first = await ada.create_room("Ops!")
        status, page, _ = await ada.post("/rooms", name="OPS!", visibility="open")
        second = await ada.create_room("ops?")
        third = await ada.create_room("dm-notes")  # direct rooms own the dm- prefix
        bad_visibility, _, _ = await ada.post("/rooms", name="Fine", visibility="secret")
    assert first == "ops" and second == "ops-2" and third == "room-dm-notes"
    assert status == 422 and "There is already a room called “OPS!”" in page
    assert bad_visibility == 422


async def test_html_in_a_room_name_is_shown_as_text(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        slug = await ada.create_room('<script>alert("x")</script>')
        _, page = await ada.get(f"/rooms/{slug}")
        _, listing = await ada.get("/rooms")
    assert slug == "script-alert-x-script"
    for html in (page, listing):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert '<script>alert("x")' not in html


async def test_room_creation_is_rate_limited_per_person_with_a_friendly_429(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app(room_rate_count=3).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        for number in range(3):
            await ada.create_room(f"Room {number}")
        status, page, _ = await ada.post("/rooms", name="One too many", visibility="open")
        htmx_status, fragment, _ = await ada.post("/rooms", htmx=True, name="Again")
        assert (await bob.create_room("Bob is not limited")) == "bob-is-not-limited"
    assert status == 429 and "You have created many rooms in a short time" in page
    assert re.search(r"Please wait \d+ minutes before creating another", page)
    assert htmx_status == 429 and "Again" in fragment and "<html" not in fragment


async def test_a_direct_room_is_one_per_pair_and_invisible_to_a_third_person(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob, eve = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Eve"))
        slug = await ada.open_dm(bob)
        assert await bob.open_dm(ada) == slug  # the same room from either side
        await ada.say(slug, "just between us")
        _, bob_page = await bob.get(f"/rooms/{slug}")
        _, unknown = await eve.get("/rooms/no-such-room")
        answers = [
            await eve.get(f"/rooms/{slug}"),
            await eve.get(f"/rooms/{slug}/messages?before=99"),
            (await eve.post(f"/rooms/{slug}/messages", body="let me in"))[:2],
            (await eve.post(f"/rooms/{slug}/members", name="Eve"))[:2],
            (await eve.post(f"/rooms/{slug}/join"))[:2],
        ]
        _, eve_listing = await eve.get("/rooms")
        _, eve_people = await eve.get("/people")
    assert slug.startswith("dm-")
    assert "just between us" in bob_page and "<h1>Ada</h1>" in bob_page
    assert all(status == 404 for status, _ in answers)
    assert all(body == unknown for _, body in answers)  # nothing tells it exists
    assert slug not in eve_listing and slug not in eve_people


async def test_a_direct_message_with_an_unknown_person_is_404_and_with_yourself_notes(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        status, _, _ = await ada.post("/dm", person="v1.bm9ib2R5")
        notes = await ada.open_dm(ada)
        _, page = await ada.get(f"/rooms/{notes}")
    assert status == 404
    assert "Notes to self" in page and 'id="message-form"' in page


async def test_a_closed_room_is_joined_only_by_being_added_and_shows_its_history(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        slug = await ada.create_room("Secret plans", visibility="closed")
        await ada.say(slug, "the plan, from before Bob")
        _, bob_listing = await bob.get("/rooms")
        join_status, _, _ = await bob.post(f"/rooms/{slug}/join")
        before = (await bob.get(f"/rooms/{slug}"))[0]
        unknown_status, unknown_page, _ = await ada.post(f"/rooms/{slug}/members", name="Nobody")
        await bob.get("/rooms")  # Bob's account is known to chat from his first request
        added, _, location = await ada.post(f"/rooms/{slug}/members", name=" BOB ")
        after, page = await bob.get(f"/rooms/{slug}")
    assert slug not in bob_listing
    assert join_status == 404 and before == 404
    assert unknown_status == 422 and "No one called “Nobody” can chat here" in unknown_page
    assert (added, location) == (303, f"/rooms/{slug}")
    assert after == 200 and "the plan, from before Bob" in page


async def test_after_leaving_a_room_posting_to_it_is_404_and_general_cannot_be_left(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app(token_cache_seconds=3600).test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        slug = await ada.create_room("Short lived", visibility="closed")
        await ada.say(slug, "still here")
        status, _, location = await ada.post(f"/rooms/{slug}/leave")
        posting, _, _ = await ada.post(f"/rooms/{slug}/messages", body="hello?")
        page, _ = await ada.get(f"/rooms/{slug}")
        general, general_page, _ = await ada.post("/rooms/general/leave")
    assert (status, location) == (303, "/rooms/general")
    assert posting == 404 and page == 404
    assert general == 409 and "Everyone stays in general" in general_page


async def test_unread_counts_read_positions_and_the_new_messages_divider(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.csrf()  # Ada's first request: a member of general from here on
        await bob.say("general", "one")
        design = await ada.create_room("Design")
        _, on_design = await ada.get(f"/rooms/{design}")
        await ada.get("/rooms/general")  # reads "one"
        await bob.say("general", "two")
        await bob.say("general", "three")
        _, still_on_design = await ada.get(f"/rooms/{design}")
        _, general_page = await ada.get("/rooms/general")
        # Another device (a second session of Ada's): the read position is in the store.
        other_device = sign_in(test_app, fake_auth, "Ada")
        other_device.session.user_id = ada.user_id
        fake_auth.sessions[other_device.session.token].user_id = ada.user_id
        _, elsewhere = await other_device.get(f"/rooms/{design}")
    assert sidebar_counts(on_design)["general"] == 1
    assert sidebar_counts(still_on_design)["general"] == 2
    assert bold_rooms(still_on_design) == {"general"}
    assert bold_rooms(on_design) == {"general"}
    # The divider sits above the first message Ada had not read.
    assert message_ids_in(general_page) == [1, 2, 3]
    divider_at = general_page.index('class="unread-divider"')
    assert general_page.index('data-message-id="1"') < divider_at
    assert divider_at < general_page.index('data-message-id="2"')
    assert general_page.count('class="unread-divider"') == 1
    assert sidebar_counts(general_page)["general"] == 0
    assert sidebar_counts(elsewhere) == {"general": 0, design: 0}
    assert bold_rooms(elsewhere) == set()


async def test_no_new_messages_divider_above_ones_own_messages(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.csrf()
        await ada.get("/rooms/general")
        await ada.say("general", "mine")  # sent from another tab: not read here yet
        _, only_mine = await ada.get("/rooms/general")
        await ada.say("general", "mine again")
        await bob.say("general", "news")
        _, with_news = await ada.get("/rooms/general")
    assert 'class="unread-divider"' not in only_mine
    divider_at = with_news.index('class="unread-divider"')
    assert with_news.index('data-message-id="2"') < divider_at
    assert divider_at < with_news.index('data-message-id="3"')


# Issue 29 item 4: closed rooms and direct messages look exactly like rooms that do not exist.


async def test_a_closed_rooms_name_blocks_no_open_room_and_its_slug_says_nothing(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, cy, eve = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Cy", "Eve"))
        closed = await ada.create_room("Secret plans", visibility="closed")
        also_closed = await cy.create_room("Secret plans", visibility="closed")
        same_name = await eve.create_room("Secret plans")
        near_name = await eve.create_room("Secret plans!")
        status, page, _ = await ada.post("/rooms", name="secret PLANS", visibility="closed")
        # A closed room made before closed rooms had keys of their own blocks nothing either.
        await insert_room("old-plans", "Old plans", "old plans", "closed", ada.user_id)
        after_old = await eve.create_room("Old plans")
    assert after_old == "old-plans-2"  # its slug stays (slugs never change)
    assert "secret" not in closed and "plans" not in closed  # nothing from its name
    assert (same_name, near_name) == ("secret-plans", "secret-plans-2")
    assert also_closed != closed
    # Names still clash among the rooms a person can see (her closed one, Eve's open one).
    assert status == 422 and "There is already a room called" in page


async def test_a_direct_rooms_slug_is_random_and_one_opened_before_keeps_working(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob, cy = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Cy"))
        slug = await ada.open_dm(bob)
        # A room opened before the change, with the slug derived from the pair.
        old = direct_slug(ada.user_id, cy.user_id)
        await insert_room(old, "direct", f"direct\n{old}", "direct", ada.user_id)
        reopened = await cy.open_dm(ada)
        assert await bob.open_dm(ada) == slug
    assert slug != direct_slug(ada.user_id, bob.user_id) and slug.startswith("dm-")
    assert reopened == old


async def test_the_people_page_carries_no_account_ids_and_a_handle_works_for_its_viewer_only(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob, eve = (sign_in(test_app, fake_auth, name) for name in ("Ada", "Bob", "Eve"))
        for person in (ada, bob, eve):
            await person.csrf()
        _, page = await ada.get("/people")
        handle = person_handle(page, "Bob")
        status, _, location = await ada.post("/dm", person=handle)
        eve_status, _, _ = await eve.post("/dm", person=handle)  # Ada's handle, not Eve's
        raw_status, _, _ = await ada.post("/dm", person=bob.user_id)
    assert all(p.user_id not in page for p in (ada, bob, eve))
    assert status == 303 and location.startswith("/rooms/dm-")
    assert eve_status == 404 and raw_status == 404


async def test_a_missing_room_is_remembered_like_a_found_one_until_it_is_created(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # A hidden room was answered from memory and a missing one from the database: the time
    # told them apart. Both are remembered now; a room's first member makes it known.
    app = make_chat_app()
    async with app.test_app() as test_app:
        access = services_of(app).reads.access
        assert await access.room("later") is None
        await insert_room("later", "Later", "later", "open", "someone")
        assert await access.room("later") is None  # the miss is remembered
        ada = sign_in(test_app, fake_auth, "Ada")
        slug = await ada.create_room("Made here")
        assert (await access.room(slug)) is not None
        await access.on_membership_changed(
            MembershipChanged(user_id="someone", room="later", change="joined")
        )
        found = await access.room("later")
    assert found is not None and found.name == "Later"


async def test_an_address_tells_nothing_and_adding_members_is_rate_limited(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # Issue 29 item 2: an address answered with the person's name or "No one with that
    # e-mail address has an account", as often as anyone asked. Members are added by the
    # name the people page already shows; an address is no way in.
    async with make_chat_app(member_rate_count=4).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await bob.csrf()
        slug = await ada.create_room("Secret plans", visibility="closed")
        members = f"/rooms/{slug}/members"
        known = await ada.post(members, email=bob.session.email)
        unknown = await ada.post(members, email="nobody@example.com")
        still_out = (await bob.get(f"/rooms/{slug}"))[0]
        added = (await ada.post(members, name="Bob"))[0]
        fourth = (await ada.post(members, name="Bob"))[0]
        limited = (await ada.post(members, name="Bob"))[0]
    assert known[0] == unknown[0] == 422
    assert without_draft_key(known[1]) == without_draft_key(unknown[1])
    assert still_out == 404
    assert (added, fourth, limited) == (303, 303, 429)
