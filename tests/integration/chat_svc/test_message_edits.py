"""Editing and deleting one's own message: the plain pages, the 404 for everyone else, the
text gone from the store and the Redis cache, live to other viewers and exact on resume."""

from __future__ import annotations

import re
from typing import cast

from quart import Quart

from chat_svc.reads.latest_cache import latest_key
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import next_event
from tests.support.database_commands import database_commands
from tests.support.history_stored import stored_when_written


async def cached_text(app: Quart, room: str) -> str:
    raw = await services_of(app).actions.messages.cache.redis.zrange(latest_key(room), 0, -1)
    return " ".join(bytes(item).decode() for item in cast(list[bytes], raw))


async def test_the_author_edits_then_deletes_and_the_text_is_gone_everywhere(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "Teh launch is at ten")
        status, page = await ada.get("/rooms/general")
        (message_id,) = [int(i) for i in re.findall(r'data-message-id="(\d+)"', page)][-1:]
        edit_path = f"/rooms/general/messages/{message_id}/edit"
        assert f'href="{edit_path}"' in page  # the author's own link, without JavaScript

        status, form = await ada.get(edit_path)
        assert status == 200 and "Teh launch is at ten</textarea>" in form
        status, _, location = await ada.post(edit_path, body="The launch is at ten")
        assert (status, location) == (303, f"/rooms/general#message-{message_id}")
        _, page = await ada.get("/rooms/general")
        assert "The launch is at ten" in page and "(edited)" in page
        assert "Teh launch" not in page
        assert "Teh launch" not in await cached_text(app, "general")

        delete_path = f"/rooms/general/messages/{message_id}/delete"
        status, confirm = await ada.get(delete_path)
        assert status == 200 and "Delete this message?" in confirm
        status, _, location = await ada.post(delete_path)
        assert status == 303
        _, page = await ada.get("/rooms/general")
        assert "Message deleted" in page and "launch is at ten" not in page
        stored = await stored_when_written("general", message_id, lambda m: m.deleted)
        assert stored.body == ""
        assert "launch is at ten" not in await cached_text(app, "general")
        # Deleted is final: no edit, no second deletion.
        assert (await ada.get(edit_path))[0] == 404
        assert (await ada.post(delete_path))[0] == 404


async def test_nobody_else_can_edit_or_delete_and_forged_requests_are_404(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.say("general", "Mine, not yours")
        _, page = await bob.get("/rooms/general")
        message_id = int(re.findall(r'data-message-id="(\d+)"', page)[-1])
        base = f"/rooms/general/messages/{message_id}"
        assert f'href="{base}/edit"' not in page and f'href="{base}/delete"' not in page
        assert (await bob.get(f"{base}/edit"))[0] == 404
        assert (await bob.get(f"{base}/delete"))[0] == 404
        assert (await bob.post(f"{base}/edit", body="Yours now"))[0] == 404
        assert (await bob.post(f"{base}/delete"))[0] == 404
        assert (await bob.post(f"{base}/edit", htmx=True, body="Yours now"))[0] == 404
        assert (await ada.get("/rooms/general/messages/999999/edit"))[0] == 404
        stored = await stored_when_written("general", message_id)
        assert stored.body == "Mine, not yours" and not stored.deleted


async def test_the_edit_window_closes(make_chat_app: AppFactory, fake_auth: FakeAuth) -> None:
    app = make_chat_app(message_edit_minutes=0)
    async with app.test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "Too late to fix")
        _, page = await ada.get("/rooms/general")
        message_id = int(re.findall(r'data-message-id="(\d+)"', page)[-1])
        status, html, _ = await ada.post(f"/rooms/general/messages/{message_id}/edit", body="x")
        assert status == 403 and "can be edited for 0 minutes" in html
        # The form is not offered once saving would be refused (a page loaded earlier links it).
        form_status, form_page = await ada.get(f"/rooms/general/messages/{message_id}/edit")
        assert form_status == 403 and "can be edited for 0 minutes" in form_page
        assert "<textarea" not in form_page
        assert f"/rooms/general/messages/{message_id}/delete" in page  # deleting still works


async def test_edits_arrive_live_and_a_resume_brings_the_current_version_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    ada_session, bob_session = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with app.test_app() as test_app, serve(app, lifespan="off") as base_url:
        ada = sign_in(test_app, fake_auth, "Ada")
        ada.client.set_cookie("localhost", "chat_session", ada_session.token)
        await ada.say("general", "first draft")
        await ada.say("general", "second message")
        _, page = await ada.get("/rooms/general")
        first, second = [int(i) for i in re.findall(r'data-message-id="(\d+)"', page)[-2:]]

        # Bob watches live: the edit comes as a replacement under a new, higher id.
        async with room_stream(base_url, bob_session, "general", f"?after={second}") as (
            status,
            events,
        ):
            assert status == 200
            status, _, _ = await ada.post(
                f"/rooms/general/messages/{first}/edit", body="final text"
            )
            assert status == 303
            event = await next_event(events)
            assert event is not None and event.event == "message"
            edit_id = int(event.id)
            assert edit_id > second
            assert f'id="message-{first}"' in event.data
            assert 'hx-swap-oob="outerHTML"' in event.data
            assert "final text" in event.data and "(edited)" in event.data

            status, _, _ = await ada.post(f"/rooms/general/messages/{second}/delete")
            event = await next_event(events)
            assert event is not None and int(event.id) > edit_id
            delete_id = int(event.id)
            assert "Message deleted" in event.data and "second message" not in event.data

        # Resumes: from before the edit, both current versions once, in event order;
        # from the edit, only the deletion.
        for after, expected in (
            (second, [(edit_id, first), (delete_id, second)]),
            (edit_id, [(delete_id, second)]),
        ):
            async with room_stream(
                base_url, bob_session, "general", "", **{"Last-Event-ID": str(after)}
            ) as (_, events):
                got = []
                for _ in expected:
                    event = await next_event(events)
                    assert event is not None
                    got.append(
                        (
                            int(event.id),
                            int(re.findall(r'data-message-id="(\d+)"', event.data)[0]),
                        )
                    )
                    assert "first draft" not in event.data and "second message" not in event.data
                assert got == expected

        # The same from the store when the cache is gone.
        await services_of(app).actions.messages.cache.redis.flushdb()
        async with room_stream(
            base_url, bob_session, "general", "", **{"Last-Event-ID": str(second)}
        ) as (_, events):
            ids = []
            for _ in range(2):
                event = await next_event(events)
                assert event is not None
                ids.append(int(event.id))
                assert "first draft" not in event.data and "second message" not in event.data
            assert ids == [edit_id, delete_id]


async def test_edits_and_deletes_read_the_message_from_the_history_index_not_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # On FerretDB every read of the store by room and id scans the collection (issue 28):
    # at a million messages an edit timed out. The message is read from the history index.
    with database_commands() as commands:
        app = make_chat_app(posts_acknowledged_by="database")  # counts the request's writes
        async with app.test_app() as test_app:
            ada = sign_in(test_app, fake_auth, "Ada")
            await ada.say("general", "Teh typo")
            await ada.say("general", "gone soon")
            _, page = await ada.get("/rooms/general")
            first, second = [int(i) for i in re.findall(r'data-message-id="(\d+)"', page)[-2:]]
            commands.armed = True
            assert (await ada.get(f"/rooms/general/messages/{first}/edit"))[0] == 200
            edited = await ada.post(f"/rooms/general/messages/{first}/edit", body="The typo")
            deleted = await ada.post(f"/rooms/general/messages/{second}/delete")
            commands.armed = False
            _, page = await ada.get("/rooms/general")
    assert (edited[0], deleted[0]) == (303, 303)
    assert "The typo" in page and "Message deleted" in page
    assert commands.sent[("find", "messages")] == 0, commands.sent
    assert commands.sent[("findAndModify", "messages")] == 2, commands.sent
