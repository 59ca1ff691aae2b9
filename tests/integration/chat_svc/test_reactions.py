"""Reactions (issue 34): ``POST /rooms/<slug>/messages/<id>/reactions`` toggles the caller's
emoji; the message lists each with its count; only emoji, at most 20 different, members
only, gone with a deleted message; atomic under 20 people on two replicas; live once per
flush and exact on resume, never as an edit and never unread."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from chat_svc.models.message_shape import Reaction
from chat_svc.models.messages import select_highest_message_id, select_message
from chat_svc.reactions.emoji_choice import REFUSAL
from chat_svc.reactions.reaction_keys import reaction_state_key
from chat_svc.reactions.reaction_pages import TOO_MANY
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.chat_svc.test_replies import message_html, newest_id
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import next_event
from tests.support.database_commands import database_commands
from tests.support.history_stored import stored_when_written

TWENTY_DIFFERENT = list("😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂")  # one code point each


async def stored_reactions(
    room: str, message_id: int, until: Callable[[tuple[Reaction, ...]], object] | None = None
) -> tuple[Reaction, ...]:
    """The message's reactions in the store once the flush wrote ``until`` (a predicate)."""
    async with asyncio.timeout(10):  # a safety net: the flush runs within half a second
        while True:
            message = await select_message(room, message_id)  # stored once the writer ran
            if message is not None and (until is None or until(message.reactions)):
                return message.reactions
            await asyncio.sleep(0.1)


def counts(reactions: tuple[Reaction, ...]) -> dict[str, int]:
    return {reaction.emoji: len(reaction.people) for reaction in reactions}


def thumbs_up(count: int) -> Callable[[tuple[Reaction, ...]], bool]:
    return lambda reactions: counts(reactions).get("👍", 0) == count


async def react(person: Person, message_id: int, emoji: str, htmx: bool = False) -> int:
    status, _, _ = await person.post(
        f"/rooms/general/messages/{message_id}/reactions", htmx=htmx, emoji=emoji
    )
    return status


async def test_toggles_refusals_limits_and_deletion(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await bob.get("/rooms/general")
        await ada.say("general", "Ship it?")
        message_id = newest_id((await ada.get("/rooms/general"))[1])
        highest = await select_highest_message_id("general")
        path = f"/rooms/general/messages/{message_id}/reactions"

        status, _, location = await bob.post(path, emoji=":tada:")  # a short name
        assert (status, location) == (303, f"/rooms/general#message-{message_id}")
        # Without JavaScript there is no live update: the room it goes back to shows it.
        _, page = await bob.get("/rooms/general")
        assert '<span class="reaction-count">1</span>' in message_html(page, message_id)
        status, fragment, _ = await ada.post(path, htmx=True, emoji="🎉")  # pasted
        assert status == 200
        assert '<span class="reaction-emoji">🎉</span> <span class="reaction-count">2</span>' in (
            fragment
        )
        assert "Bob and Ada" in fragment
        await stored_reactions("general", message_id, lambda r: counts(r) == {"🎉": 2})
        _, page = await bob.get("/rooms/general")
        assert '<span class="reaction-count">2</span>' in message_html(page, message_id)
        assert "(edited)" not in message_html(page, message_id)

        assert await react(bob, message_id, "🎉") == 303  # again: taken back
        assert counts(
            await stored_reactions("general", message_id, lambda r: counts(r) == {"🎉": 1})
        ) == {"🎉": 1}

        # Only emoji, with a message that says what to do; nothing stored.
        for text in ("ok", ":not_an_emoji:", "🎉🎉", "<script>", ""):
            status, page, _ = await bob.post(path, emoji=text)
            assert status == 422, text
            assert REFUSAL in page
        # The picker without JavaScript: a form per reaction and choices to add.
        status, picker = await bob.get(path)
        assert status == 200 and picker.count('name="emoji"') >= 9

        # At most 20 different: the 21st is refused, another on an existing one is not.
        for emoji in TWENTY_DIFFERENT[:19]:  # as the page's script does: no wait for a flush
            assert await react(bob, message_id, emoji, htmx=True) == 200
        status, page, _ = await bob.post(path, emoji="👻")
        assert status == 422 and TOO_MANY in page
        assert await react(ada, message_id, TWENTY_DIFFERENT[0]) == 303
        assert len(await stored_reactions("general", message_id, lambda r: len(r) == 20)) == 20
        # Never a new message: nothing to count as unread.
        assert await select_highest_message_id("general") == highest

        # Members only: a closed room's message is 404 to anyone else, as a missing one.
        secret = await ada.create_room("Secret", visibility="closed")
        await ada.say(secret, "hush")
        secret_id = newest_id((await ada.get(f"/rooms/{secret}"))[1])
        status, _, _ = await bob.post(f"/rooms/{secret}/messages/{secret_id}/reactions", emoji="👍")
        assert status == 404
        assert await react(bob, 999_999, "👍") == 404

        # Reactions go with a deleted message; the deleted one takes none.
        await ada.post(f"/rooms/general/messages/{message_id}/delete")
        # The deletion reaches the store through the history writer (posts logged first).
        deleted = await stored_when_written("general", message_id, lambda m: m.deleted)
        assert deleted.reactions == ()
        redis = services_of(app).actions.messages.cache.redis
        assert await redis.exists(reaction_state_key("general", message_id)) == 0
        assert await react(bob, message_id, "👍") == 404


async def test_twenty_people_on_two_replicas_at_once_lose_and_double_nothing(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as one, make_chat_app().test_app() as two:
        people = [sign_in(one, fake_auth, f"P{n}") for n in range(20)]
        for person in people:
            await person.csrf()
        # Half of them reach the other replica, with the same sessions.
        for person in people[::2]:
            person.client = person.same_browser_on(two)
        await people[0].say("general", "vote")
        message_id = newest_id((await people[0].get("/rooms/general"))[1])

        for emoji, expected in (("👍", 20), ("👍", 0)):
            statuses = await asyncio.gather(*(react(p, message_id, emoji) for p in people))
            assert statuses == [303] * 20
            reactions = await stored_reactions("general", message_id, thumbs_up(expected))
            if expected:
                who = [person.user_id for person in reactions[0].people]
                assert sorted(who) == sorted(p.user_id for p in people)
        # Both ways, every toggle counted exactly once: nothing left over.
        await asyncio.sleep(1)  # any later flush would have run by now
        assert await stored_reactions("general", message_id) == ()


async def test_live_once_per_flush_and_a_resume_brings_the_reactions_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    bob_session = fake_auth.sign_in("Bob")
    async with app.test_app() as test_app, serve(app, lifespan="off") as base_url:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "lunch?")
        message_id = newest_id((await ada.get("/rooms/general"))[1])

        async with room_stream(base_url, bob_session, "general", f"?after={message_id}") as (
            status,
            events,
        ):
            assert status == 200
            # Two quick toggles: one update carrying both (coalesced).
            toggles = react(ada, message_id, "🍕"), react(ada, message_id, "🌮")
            assert list(await asyncio.gather(*toggles)) == [303, 303]
            event = await next_event(events)
            assert event is not None and event.event == "message"
            reaction_id = int(event.id)
            assert reaction_id > message_id
            assert f'id="message-{message_id}"' in event.data
            assert 'hx-swap-oob="outerHTML"' in event.data
            assert "🍕" in event.data and "🌮" in event.data
            assert "(edited)" not in event.data
            await ada.say("general", "next")
            event = await next_event(events)  # the post, not a second reaction update
            assert event is not None and 'id="message-' in event.data
            assert f'id="message-{message_id}"' not in event.data
            next_id = int(event.id)

        # A resume from before the reactions brings the message once, with them, in order.
        async with room_stream(
            base_url, bob_session, "general", "", **{"Last-Event-ID": str(message_id)}
        ) as (_, events):
            got = []
            for _ in range(2):
                event = await next_event(events)
                assert event is not None
                got.append(int(event.id))
                if int(event.id) == reaction_id:
                    assert "🍕" in event.data and "🌮" in event.data
            assert got == [reaction_id, next_id]
        _, page = await ada.get("/rooms/general")
        listed = re.search(rf'<ul class="reactions" id="reactions-{message_id}".*?</ul>', page)
        assert listed is not None and "🍕" in listed.group(0) and "🌮" in listed.group(0)


async def test_reactions_are_rate_limited_per_person(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app(reaction_rate_count=3).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.say("general", "click me")
        message_id = newest_id((await ada.get("/rooms/general"))[1])
        statuses = [await react(ada, message_id, "👍", htmx=True) for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert await react(bob, message_id, "👍", htmx=True) == 200  # per person


async def test_a_toggle_reads_the_message_from_the_history_index_not_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # The store scans its whole collection on FerretDB for a message by room and id.
    with database_commands() as commands:
        async with make_chat_app().test_app() as test_app:
            ada = sign_in(test_app, fake_auth, "Ada")
            await ada.say("general", "react to me")
            message_id = newest_id((await ada.get("/rooms/general"))[1])
            commands.armed = True
            status = await react(ada, message_id, "👍", htmx=True)
            commands.armed = False  # before the flush (half a second on), which writes the store
            assert counts(await stored_reactions("general", message_id, thumbs_up(1))) == {"👍": 1}
    assert status == 200
    assert commands.sent[("find", "messages")] == 0, commands.sent
