"""@mentions without JavaScript (the server recognises them when a message is posted or
edited), the highlight per viewer, the sidebar's mention counts on the page and live, and
the suggestion list's endpoint (members only)."""

from __future__ import annotations

import asyncio
import json
import re

from chat_svc.models.messages import author_tag
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import browser, room_stream
from tests.integration.chat_svc.test_streams import Events, next_event
from tests.support.history_stored import stored_when_written


def message_item(html: str, message_id: int) -> str:
    """The opening tag of message ``message_id``'s ``<li>``."""
    match = re.search(rf'<li class="[^"]*"[^>]*id="message-{message_id}"[^>]*>', html)
    assert match is not None, f"message {message_id} not on the page"
    return match.group(0)


def mention_counts(html: str) -> dict[str, str]:
    """Room slug -> the sidebar's visible mention badge ("" when hidden)."""
    counts = {}
    for slug, hidden, badge in re.findall(
        r'data-room="([^"]+)"[^>]*>.*?<span class="mention-count"( hidden)?>'
        r'<span aria-hidden="true">(@\d+)</span>',
        html,
        flags=re.DOTALL,
    ):
        counts[slug] = "" if hidden else badge
    return counts


async def test_a_mention_written_by_hand_is_stored_and_highlighted_only_for_that_person(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ann_lee, ann, bob = (sign_in(test_app, fake_auth, n) for n in ("Ann Lee", "Ann", "Bob"))
        for person in (ann_lee, ann, bob):
            await person.csrf()  # each is a member of general from their first request
        await bob.say("general", "@ann lee the notes, please (cc @Nobody)")
        _, bob_page = await bob.get("/rooms/general")
        message_id = message_ids_in(bob_page)[-1]
        stored = await stored_when_written("general", message_id)  # the writer's, shortly
        _, ann_lee_page = await ann_lee.get("/rooms/general")
        _, ann_page = await ann.get("/rooms/general")
    assert stored is not None and stored.mentions == (ann_lee.user_id,)
    tag = author_tag(ann_lee.user_id)
    for page in (bob_page, ann_lee_page, ann_page):
        assert f'data-mentions="{tag}"' in message_item(page, message_id)
        # Never an account id on the page, not even the mentioned person's.
        assert ann_lee.user_id not in page and ann.user_id not in page
    assert "mentions-you" in message_item(ann_lee_page, message_id)
    assert "mentions-you" not in message_item(ann_page, message_id)
    assert "mentions-you" not in message_item(bob_page, message_id)
    assert '<span class="mention-marker">@ you</span>' in ann_lee_page


async def test_an_edit_recognises_mentions_again_and_a_deletion_drops_them(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ann, bob = sign_in(test_app, fake_auth, "Ann"), sign_in(test_app, fake_auth, "Bob")
        await ann.csrf()
        await bob.say("general", "hello @Ann")
        _, page = await bob.get("/rooms/general")
        message_id = message_ids_in(page)[-1]
        base = f"/rooms/general/messages/{message_id}"
        assert (await bob.post(f"{base}/edit", body="hello everyone"))[0] == 303
        edited = await stored_when_written("general", message_id, lambda m: "everyone" in m.body)
        assert (await bob.post(f"{base}/edit", body="hello @ANN!"))[0] == 303
        edited_again = await stored_when_written("general", message_id, lambda m: bool(m.mentions))
        assert (await bob.post(f"{base}/delete"))[0] == 303
        deleted = await stored_when_written("general", message_id, lambda m: m.deleted)
    assert edited is not None and edited.mentions == ()
    assert edited_again is not None and edited_again.mentions == (ann.user_id,)
    assert deleted is not None and deleted.mentions == ()


async def test_only_members_are_recognised_and_a_newcomer_counts_once_joined(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ann, carl = sign_in(test_app, fake_auth, "Ann"), sign_in(test_app, fake_auth, "Carl")
        slug = await ann.create_room("Design")
        await carl.csrf()
        await ann.say(slug, "@Carl are you here?")  # not a member yet: no mention
        assert (await carl.post(f"/rooms/{slug}/join"))[0] == 303
        members = services_of(app).reads.members
        async with asyncio.timeout(5):  # the join reaches every replica's member list
            while carl.user_id not in {user_id for user_id, _ in await members.of(slug)}:
                await asyncio.sleep(0.02)
        await ann.say(slug, "@Carl welcome")
        _, page = await ann.get(f"/rooms/{slug}")
        first, second = message_ids_in(page)[-2:]
        before = await stored_when_written(slug, first)
        after = await stored_when_written(slug, second)
    assert before is not None and before.mentions == ()
    assert after is not None and after.mentions == (carl.user_id,)


async def test_the_sidebar_counts_unread_mentions_and_reading_the_room_resets_them(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ann, bob = sign_in(test_app, fake_auth, "Ann"), sign_in(test_app, fake_auth, "Bob")
        await ann.csrf()
        design = await ann.create_room("Design")
        await bob.say("general", "@Ann one")
        await bob.say("general", "no mention here")
        await bob.say("general", "@ann two")
        await ann.say("general", "talking to myself, @Ann")  # one's own is no news
        _, before = await ann.get(f"/rooms/{design}")
        _, bobs = await bob.get(f"/rooms/{design}")
        await ann.get("/rooms/general")  # reads it
        _, after = await ann.get(f"/rooms/{design}")
    assert mention_counts(before)["general"] == "@2"
    assert '<span class="visually-hidden">2 mentions</span>' in before
    assert "has-mentions" in before
    assert mention_counts(bobs).get("general", "") == ""
    assert mention_counts(after)["general"] == ""


async def next_counts(events: Events) -> dict[str, tuple[int, int]]:
    """The next unread event as {room: (count, mentions)} (messages are skipped)."""
    while True:
        event = await next_event(events)
        assert event is not None, "the stream ended"
        if event.event == "unread":
            return {u["room"]: (u["count"], u["mentions"]) for u in json.loads(event.data)}


async def test_mention_counts_rise_live_across_replicas_and_clear_when_read(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ann, bob = fake_auth.sign_in("Ann"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        browser(first, ann) as ann_tab,
        browser(second, bob) as bob_tab,
    ):
        design = await ann_tab.create_room("Design")
        async with (
            room_stream(first, ann, design) as (_, on_design),
            room_stream(first, bob, "general") as (_, in_general),
        ):
            assert await next_counts(on_design) == {"general": (0, 0)}
            await bob_tab.say("general", "@Ann look at this")
            assert await next_counts(on_design) == {"general": (1, 1)}
            await bob_tab.say("general", "and this, without a mention")
            assert await next_counts(on_design) == {"general": (2, 1)}
            live = await next_event(in_general)
            assert live is not None and live.event == "message", live
            assert f'data-mentions="{author_tag(ann.user_id)}"' in live.data
            assert ann.user_id not in live.data and "mentions-you" not in live.data
            assert (await ann_tab.client.get("/rooms/general")).status_code == 200
            assert await next_counts(on_design) == {"general": (0, 0)}


async def test_suggestions_list_the_rooms_members_by_name_and_only_to_its_members(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        people = {n: sign_in(test_app, fake_auth, n) for n in ("Ann Lee", "Anna", "Bob", "Eve")}
        ann_lee, bob, eve = people["Ann Lee"], people["Bob"], people["Eve"]
        for person in people.values():
            await person.csrf()
        closed = await ann_lee.create_room("Secret plans", visibility="closed")
        assert (await ann_lee.post(f"/rooms/{closed}/members", name="Bob"))[0] == 303
        direct = await ann_lee.open_dm(bob)
        status, in_general = await bob.get("/rooms/general/members?q=an", htmx=True)
        _, lee = await bob.get("/rooms/general/members?q=LEE", htmx=True)
        _, nobody = await bob.get("/rooms/general/members?q=zed", htmx=True)
        _, in_closed = await bob.get(f"/rooms/{closed}/members?q=", htmx=True)
        refused = [
            (await eve.get(f"/rooms/{closed}/members?q=a"))[0],
            (await eve.get(f"/rooms/{direct}/members?q=a"))[0],
            (await eve.get("/rooms/no-such-room/members?q=a"))[0],
        ]
    assert status == 200
    assert re.findall(r'data-name="([^"]+)"', in_general) == ["Ann Lee", "Anna"]
    assert '<ul id="mention-suggestions"' in in_general and 'role="listbox"' in in_general
    assert 'aria-selected="true"' in in_general and "<html" not in in_general
    assert re.findall(r'data-name="([^"]+)"', lee) == ["Ann Lee"]
    assert "data-name" not in nobody and " hidden>" in nobody
    # Members only (and never the asker); no account ids.
    assert re.findall(r'data-name="([^"]+)"', in_closed) == ["Ann Lee"]
    assert all(person.user_id not in in_general for person in people.values())
    assert refused == [404, 404, 404]
