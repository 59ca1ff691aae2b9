"""Formatted text (issue 34) through the real post: rendered once and stored next to the
source; the page and the live stream send the same HTML; an edit re-renders; a name
inside code mentions nobody."""

from __future__ import annotations

import re

from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_post_fast_path import served_fast
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import next_event
from tests.support.history_stored import stored_when_written

SOURCE = "**Bob**, see `@Bob` and:\n```python\nprint('hi')\n```"
BODY = re.compile(r'<div class="message-body message-text" dir="auto">(.*?)</div>\n', re.DOTALL)


async def test_a_formatted_post_is_stored_rendered_and_sent_the_same_everywhere(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app, serve(app, lifespan="off") as base_url:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await bob.get("/rooms/general")
        _, page = await ada.get("/rooms/general")
        newest = max([0, *(int(i) for i in re.findall(r'data-message-id="(\d+)"', page))])
        async with room_stream(base_url, bob.session, "general", f"?after={newest}") as (
            status,
            events,
        ):
            assert status == 200
            await ada.say("general", SOURCE)
            event = await next_event(events)
            assert event is not None and event.event == "message"
        message_id = int(event.id)
        assert served_fast(app) == 1  # the post fast path stored it

        stored = await stored_when_written("general", message_id)
        assert stored.body == SOURCE  # what an edit starts from
        assert stored.body_html.startswith("<p><strong>Bob</strong>, see <code>@Bob</code>")
        assert '<pre><code class="language-python"><span class="nb">print</span>' in (
            stored.body_html
        )
        assert stored.mentions == ()  # "@Bob" sits in code

        _, page = await ada.get("/rooms/general")
        assert BODY.findall(event.data) == [stored.body_html]
        assert stored.body_html in BODY.findall(page)
        assert 'href="/help/formatting"' in page
        status, help_page = await ada.get("/help/formatting")
        assert status == 200 and "<strong>bold</strong>" in help_page

        status, _, _ = await ada.post(
            f"/rooms/general/messages/{message_id}/edit", body="~~done~~ @Bob"
        )
        assert status == 303
        edited = await stored_when_written("general", message_id, lambda m: m.edited_at is not None)
        assert edited.body == "~~done~~ @Bob"
        assert edited.body_html == "<s>done</s> @Bob"
        assert edited.mentions == (bob.user_id,)
