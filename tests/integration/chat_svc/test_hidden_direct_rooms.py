"""A direct conversation cannot be left, only hidden (issue 37, item 3): hidden, it leaves
the sidebar; the other person's next message brings it back with its unread count."""

from __future__ import annotations

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sidebar_counts, sign_in


async def test_a_hidden_direct_room_comes_back_with_the_next_message(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        slug = await ada.open_dm(bob)
        await ada.say(slug, "first")
        _, dm_page = await bob.get(f"/rooms/{slug}")
        hidden, _, location = await bob.post(f"/rooms/{slug}/hide")
        # An old page's Leave form hides too: a direct room is never left.
        left, _, left_location = await bob.post(f"/rooms/{slug}/leave")
        _, while_hidden = await bob.get("/rooms/general")
        await ada.say(slug, "are you there?")
        await ada.say(slug, "Bob?")
        _, after_replies = await bob.get("/rooms/general")
        reopened, _ = await bob.get(f"/rooms/{slug}")
        _, after_reading = await bob.get("/rooms/general")
    assert 'action="/rooms/' + slug + '/hide"' in dm_page
    assert ">Hide</button>" in dm_page and ">Leave</button>" not in dm_page
    assert (hidden, location) == (303, "/rooms/general")
    assert (left, left_location) == (303, "/rooms/general")
    assert slug not in sidebar_counts(while_hidden)
    assert sidebar_counts(after_replies)[slug] == 2
    assert reopened == 200
    assert sidebar_counts(after_reading)[slug] == 0  # opened: shown again for good
