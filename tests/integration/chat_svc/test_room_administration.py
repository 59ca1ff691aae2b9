"""Administrators rename, archive, restore and delete rooms (issue 35): each change reaches
members' pages and sidebars (on another replica too), each is audited, and a member forging
the requests gets 404 and changes nothing."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from chat_svc.administration.audit_log import AuditEntry
from chat_svc.bots.bot_records import select_bots
from chat_svc.files.file_records import StoredFile
from chat_svc.files.storage.object_store import local_object_store
from chat_svc.models.messages import ChatMessage
from chat_svc.models.rooms import select_room
from chat_svc.webhooks.webhook_runtime import webhook_consumer_of
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import post_files
from tests.integration.chat_svc.people import Person
from tests.integration.chat_svc.test_administration import _submit, admin_and_member
from tests.integration.chat_svc.test_api_tokens import NEW_TOKEN
from tests.integration.chat_svc.test_outgoing_webhooks import receiving
from tests.integration.chat_svc.test_search import indexer_bound, until
from tests.support.history_stored import stored_when_written


def in_sidebar(html: str, slug: str, title: str = "") -> bool:
    entry = rf'data-room="{re.escape(slug)}"[^>]*>\s*<a[^>]*>{re.escape(title)}'
    return re.search(entry, html) is not None


async def _audited_actions() -> list[tuple[str, str, str]]:
    entries = await AuditEntry.find().sort("+at").to_list()
    return [(entry.action, entry.target_id, entry.outcome) for entry in entries]


async def test_a_member_forging_every_room_action_gets_404_and_nothing_changes(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (test_app, ada, bob):
        slug = await bob.create_room("Lobby")
        menu_link = '<a href="/settings/people">Administration</a>'
        assert menu_link in (await ada.get("/rooms"))[1]
        assert menu_link not in (await bob.get("/rooms"))[1]
        for path in ("/settings/rooms", f"/settings/rooms/{slug}/delete"):
            assert (await bob.get(path))[0] == 404, path
        forged = [
            (f"/settings/rooms/{slug}/rename", {"name": "Taken over"}),
            (f"/settings/rooms/{slug}/archive", {}),
            (f"/settings/rooms/{slug}/restore", {}),
            (f"/settings/rooms/{slug}/delete", {}),
        ]
        stranger = test_app.test_client()
        for path, fields in forged:
            assert (await _submit(bob, path, fields))[0] == 404, path
            assert (await stranger.post(path, form=fields)).status_code == 404, path
        room = await select_room(slug)
        assert room is not None and (room.name, room.archived) == ("Lobby", False)
        assert await AuditEntry.find().count() == 0


async def test_a_rename_reaches_a_members_page_and_sidebar_on_another_replica(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with (
        admin_and_member(make_chat_app, fake_auth) as (_first, ada, bob),
        make_chat_app().test_app() as second,
    ):
        slug = await bob.create_room("Lobby")
        bob_elsewhere = Person(bob.session, bob.same_browser_on(second))
        _, page = await bob_elsewhere.get(f"/rooms/{slug}")  # the second replica keeps it
        assert in_sidebar(page, slug, "Lobby")
        await bob.open_dm(ada)
        _, admin_page = await ada.get("/settings/rooms")
        listed = re.findall(r'<tr class="admin-room">\s*<td><bdi>([^<]*)</bdi>', admin_page)
        assert listed == ["general", "Lobby"]  # names only, never direct rooms
        status, _, location = await ada.post(f"/settings/rooms/{slug}/rename", name="Town Square")
        assert (status, location) == (303, "/settings/rooms?done=renamed")
        for person in (bob, bob_elsewhere):
            _, page = await person.get(f"/rooms/{slug}")
            assert in_sidebar(page, slug, "Town Square") and "Lobby" not in page
        _, rooms = await bob.get("/rooms")
        assert "Town Square" in rooms
        other = await bob.create_room("Kitchen")
        status, body = await _submit(
            ada, f"/settings/rooms/{other}/rename", {"name": "town square"}
        )
        assert status == 409 and "already has this name" in body
        assert await _audited_actions() == [
            ("room:rename", slug, "done"),
            ("room:rename", other, "failed"),
        ]


async def test_an_archived_room_is_read_only_and_hidden_until_restored(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (test_app, ada, bob):
        slug = await bob.create_room("Old project")
        await bob.say(slug, "history worth keeping")
        assert (await ada.post(f"/settings/rooms/{slug}/archive"))[0] == 303
        status, body, _ = await bob.post(f"/rooms/{slug}/messages", body="one more")
        assert status == 409 and "archived" in body
        status, body, _ = await ada.post(f"/rooms/{slug}/join")
        assert status == 409 and "archived" in body
        _, rooms = await bob.get("/rooms")
        assert "Old project" not in rooms and not in_sidebar(rooms, slug)
        _, page = await bob.get(f"/rooms/{slug}")  # still readable by its members
        assert "history worth keeping" in page
        assert not in_sidebar((await bob.get("/rooms"))[1], slug)  # opening kept it hidden

        assert (await ada.post(f"/settings/rooms/{slug}/restore"))[0] == 303
        await bob.say(slug, "back in business")
        _, rooms = await bob.get("/rooms")
        assert "Old project" in rooms and in_sidebar(rooms, slug, "Old project")
        assert await _audited_actions() == [
            ("room:archived", slug, "done"),
            ("room:restored", slug, "done"),
        ]
        # general stays: it is renamed, never archived or deleted.
        status, body = await _submit(ada, "/settings/rooms/general/archive", {})
        assert status == 409 and test_app is not None


async def test_an_archived_room_refuses_changes_through_pages_the_api_and_webhooks(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (test_app, ada, bob):
        slug = await bob.create_room("Old project")
        token = NEW_TOKEN.search((await bob.post("/settings/tokens", name="CI"))[1])
        bot = await ada.post("/admin/bots", name="CI", rooms=slug)
        hook = re.search(rf'class="hook-url" data-room="{slug}">[^<]*?(/hooks/[^<]+)<', bot[1])
        assert token and hook, bot
        api = test_app.test_client()
        bearer = {"Authorization": f"Bearer {token.group(1)}"}
        messages = f"/api/v1/rooms/{slug}/messages"
        posted = await api.post(messages, json={"body": "before"}, headers=bearer)
        assert posted.status_code == 201
        path = f"{messages}/{(await posted.get_json())['id']}"
        assert (await api.post(hook.group(1), data="build 1 passed")).status_code == 201
        assert (await ada.post(f"/settings/rooms/{slug}/archive"))[0] == 303

        refused = [
            await api.post(messages, json={"body": "after"}, headers=bearer),
            await api.patch(path, json={"body": "changed"}, headers=bearer),
            await api.delete(path, headers=bearer),
            await api.post(hook.group(1), data="build 2 passed"),
        ]
        for answer in refused:
            assert answer.status_code == 409 and answer.content_type == "application/problem+json"
            assert (await answer.get_json())["code"] == "room_archived"
        # The pages refuse the same changes (posts were refused already).
        on_page = path.removeprefix("/api/v1")
        pages: list[tuple[str, dict[str, str]]] = [
            ("edit", {"body": "changed"}),
            ("delete", {}),
            ("reactions", {"emoji": "🎉"}),
        ]
        for change, fields in pages:
            status, body = await _submit(bob, f"{on_page}/{change}", fields)
            assert status == 409 and "archived" in body, change
        await stored_when_written(slug, int(path.rsplit("/", 1)[1]) + 1)  # the hook's message
        stored = await ChatMessage.find({"room": slug}).sort("+message_id").to_list()
        assert [(m.body, m.deleted) for m in stored] == [
            ("before", False),
            ("build 1 passed", False),
        ]


async def test_a_deleted_room_leaves_members_sidebars_with_its_messages(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (_test_app, ada, bob):
        slug = await bob.create_room("Scratch", visibility="closed")
        await bob.say(slug, "soon gone")
        status, confirm = await ada.get(f"/settings/rooms/{slug}/delete")
        assert status == 200 and "Scratch" in confirm and "soon gone" not in confirm
        dm = await bob.open_dm(ada)
        assert (await ada.get(f"/settings/rooms/{dm}/delete"))[0] == 404  # never direct rooms
        assert (await ada.post(f"/settings/rooms/{slug}/delete"))[0] == 303
        _, rooms = await bob.get("/rooms")
        assert not in_sidebar(rooms, slug)
        assert (await bob.get(f"/rooms/{slug}"))[0] == 404
        assert await select_room(slug) is None
        async with asyncio.timeout(15):  # the history writer may store the post late, then
            while await ChatMessage.find({"room": slug}).count():  # drops it with the room
                await asyncio.sleep(0.05)
        # An open room's slug comes from its name: a new "Scratch" starts empty.
        scratch = await bob.create_room("Scratch")
        await bob.say(scratch, "old words")
        assert (await ada.post(f"/settings/rooms/{scratch}/delete"))[0] == 303
        assert await bob.create_room("Scratch") == scratch
        _, page = await bob.get(f"/rooms/{scratch}")
        assert "old words" not in page
        assert [action for action, _, _ in await _audited_actions()] == ["room:delete"] * 2


async def test_a_deleted_room_leaves_no_search_entries_and_no_files(
    make_chat_app: AppFactory, fake_auth: FakeAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_FILES_DIR", str(tmp_path))
    store = local_object_store(tmp_path)
    app = make_chat_app(search_rate_count=10_000)  # searched until the index follows
    async with admin_and_member(lambda: app, fake_auth) as (_test_app, ada, bob):
        await indexer_bound(app)
        slug = await bob.create_room("Scratch")
        posted = await post_files(bob, slug, [("plan.txt", b"plan")], body="zebra crossing plan")
        assert posted[0] == 303, posted
        await until(bob, "zebra", lambda found: len(found) == 1, within=10)
        assert await store.keys("files") and await StoredFile.find({"room": slug}).count() == 1

        assert (await ada.post(f"/settings/rooms/{slug}/delete"))[0] == 303
        # A new room may take the slug again: its members must find nothing of the old one.
        assert await bob.create_room("Scratch") == slug
        await until(bob, "zebra", lambda found: found == [], within=10)
        async with asyncio.timeout(10):  # the files worker's turn (a durable): a safety net
            while await store.keys("files") or await StoredFile.find_all().count():
                await asyncio.sleep(0.05)


async def test_a_bots_answer_to_a_room_archived_meanwhile_is_dropped(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app(webhook_allow_loopback=True)
    async with (
        receiving() as (receiver, target),
        admin_and_member(lambda: app, fake_auth) as (_test_app, ada, bob),
    ):
        slug = await bob.create_room("Old project")
        assert (await ada.post("/admin/bots", name="Pingbot", rooms=slug))[0] == 200
        [bot] = await select_bots()
        await bob.say(slug, "@Pingbot ping")
        message = await stored_when_written(slug, 1)
        assert message.body == "@Pingbot ping"
        assert (await ada.post(f"/settings/rooms/{slug}/archive"))[0] == 303
        # The delivery was on its way when the room was archived: the bot answers, in vain.
        calls = webhook_consumer_of(app).calls
        assert calls is not None
        webhook = bot.model_copy(update={"webhook_url": f"{target}/good", "signing_secret": "s"})
        await calls.deliver(webhook, message)
        assert "@Pingbot ping" in receiver.bodies("/good")
        stored = await ChatMessage.find({"room": slug}).to_list()
        assert [m.body for m in stored] == ["@Pingbot ping"]
