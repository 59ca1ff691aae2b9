"""Replies (issue 34): ``reply_to`` on the post form makes a reply with a compact quote that
opens the original in context; the original counts its replies and lists them; the
replied-to person is mentioned; a deleted original shows as such in its replies' quotes."""

from __future__ import annotations

import re

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.support.history_stored import stored_when_written


def newest_id(page: str) -> int:
    return max(int(i) for i in re.findall(r'data-message-id="(\d+)"', page))


def message_html(page: str, message_id: int) -> str:
    found = re.search(rf'<li class="message[^"]*" id="message-{message_id}".*?</li>', page, re.S)
    assert found is not None, f"message {message_id} is not on the page"
    return found.group(0)


async def test_a_reply_quotes_its_original_counts_and_says_when_it_is_gone(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await bob.get("/rooms/general")
        await ada.say("general", "Lunch at **noon** in [the park](https://park.example)?\nor later")
        original = newest_id((await ada.get("/rooms/general"))[1])

        # Without JavaScript: the message's reply page carries reply_to in its form.
        status, reply_page = await bob.get(f"/rooms/general/messages/{original}/reply")
        assert status == 200
        assert f'name="reply_to" type="hidden" value="{original}"' in reply_page
        status, _, _ = await bob.post(
            "/rooms/general/messages", body="Noon works", reply_to=str(original)
        )
        assert status == 303
        _, page = await ada.get("/rooms/general")
        reply = newest_id(page)
        quote = message_html(page, reply)
        assert f'<a class="reply-quote" href="/rooms/general?around={original}">' in quote
        assert '<bdi class="reply-author">Ada</bdi>' in quote
        assert "Lunch at noon in the park?</span>" in quote  # the first line, as it reads
        replies_link = f"/rooms/general/messages/{original}/replies"
        assert f'<a class="reply-count" href="{replies_link}">1 reply</a>' in (
            message_html(page, original)
        )
        stored = await stored_when_written("general", reply)
        assert ada.user_id in stored.mentions  # notified as a mention

        status, around = await ada.get(f"/rooms/general?around={original}")
        assert status == 200 and f'id="message-{original}"' in around
        await ada.say("general", "unrelated")
        status, listed = await ada.get(replies_link)
        assert status == 200
        assert [int(i) for i in re.findall(r'data-message-id="(\d+)"', listed)] == [
            original,
            reply,
        ]

        # Not a message of this room: posted as a message of its own.
        await bob.post("/rooms/general/messages", body="stray", reply_to="999999")
        stray = await stored_when_written(
            "general", newest_id((await ada.get("/rooms/general"))[1])
        )
        assert stray.body == "stray" and stray.reply is None

        status, _, _ = await ada.post(f"/rooms/general/messages/{original}/delete")
        assert status == 303
        _, page = await bob.get("/rooms/general")
        quote = message_html(page, reply)
        assert '<span class="reply-gone">Message deleted</span>' in quote
        assert "Lunch" not in page
