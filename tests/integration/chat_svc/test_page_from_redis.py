"""The room page and the POST read no database on their hot path (issue 15): the page comes
from Redis in one round trip, rendered messages are reused per version, and a post is one
Redis round trip. Two replicas share Valkey and the database, like production."""

from __future__ import annotations

import asyncio
import contextlib
import re
from hashlib import sha1
from typing import Any

from redis.asyncio import Redis

from chat_svc.reads.latest_cache import ADD_ABSENT
from chat_svc.reads.person_rooms import person_key
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import bold_rooms, sidebar_counts, sign_in


def body_of(html: str, message_id: int) -> str:
    found = re.search(
        rf'id="message-{message_id}".*?<(p|div) class="message-body[^"]*"[^>]*>(.*?)</\1>',
        html,
        re.DOTALL,
    )
    assert found is not None, f"message {message_id} is not on the page"
    return found.group(2)


async def test_a_post_edit_and_delete_on_one_replica_show_on_the_other_at_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    replica_a, replica_b = make_chat_app(), make_chat_app()
    async with replica_a.test_app() as app_a, replica_b.test_app() as app_b:
        ada_on_a, grace_on_b = sign_in(app_a, fake_auth, "Ada"), sign_in(app_b, fake_auth, "Grace")
        # Grace's page on B first, so B has rendered (and kept) what it showed.
        assert (await grace_on_b.get("/rooms/general"))[0] == 200
        await ada_on_a.say("general", "first <b>version</b>")
        _, after_post = await grace_on_b.get("/rooms/general")
        message_id = message_ids_in(after_post)[-1]
        status, body, _ = await ada_on_a.post(
            f"/rooms/general/messages/{message_id}/edit", body="second version"
        )
        assert status == 303, body
        _, after_edit = await grace_on_b.get("/rooms/general")
        status, body, _ = await ada_on_a.post(f"/rooms/general/messages/{message_id}/delete")
        assert status == 303, body
        _, after_delete = await grace_on_b.get("/rooms/general")
    assert body_of(after_post, message_id) == "first &lt;b&gt;version&lt;/b&gt;"
    assert body_of(after_edit, message_id) == "second version"
    assert "(edited)" in after_edit
    assert body_of(after_delete, message_id) == "Message deleted"
    assert "second version" not in after_delete
    # The author's own links are per viewer: never on Grace's page of Ada's message.
    assert "/edit" not in after_post.split(f'id="message-{message_id}"')[1].split("</li>")[0]


async def test_the_authors_links_are_added_for_them_only(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        await ada.say("general", "mine")
        _, adas = await ada.get("/rooms/general")
        _, graces = await grace.get("/rooms/general")
    message_id = message_ids_in(adas)[-1]
    edit_link = f'href="/rooms/general/messages/{message_id}/edit"'
    assert edit_link in adas and edit_link not in graces
    assert message_ids_in(adas) == message_ids_in(graces)


async def test_after_redis_is_flushed_the_page_and_sidebar_are_rebuilt_from_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        await grace.csrf()
        slug = await ada.create_room("Design")
        await grace.post(f"/rooms/{slug}/join")
        await grace.get("/rooms/general")  # read up to here
        for n in range(3):
            await ada.say(slug, f"design note {n}")
        _, before = await grace.get("/rooms/general")
        await redis_client.flushall()
        _, after = await grace.get("/rooms/general")
        rebuilt = await redis_client.hexists(person_key(grace.user_id), "~ready")
        _, room_page = await grace.get(f"/rooms/{slug}")
    assert sidebar_counts(before)[slug] == 3
    assert sidebar_counts(after)[slug] == 3 and slug in bold_rooms(after)
    assert message_ids_in(after) == message_ids_in(before)
    assert rebuilt
    assert "design note 2" in room_page


async def test_a_room_left_stays_left_after_a_flush(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        await grace.csrf()
        slug = await ada.create_room("Secret", visibility="closed")
        status, body, _ = await ada.post(f"/rooms/{slug}/members", name="Grace")
        assert status in (200, 303), body
        assert (await grace.get(f"/rooms/{slug}"))[0] == 200
        await grace.post(f"/rooms/{slug}/leave")
        await redis_client.flushall()
        status_after, _ = await grace.get(f"/rooms/{slug}")
        _, general = await grace.get("/rooms/general")
    assert status_after == 404
    assert slug not in sidebar_counts(general)


async def test_a_post_is_one_redis_round_trip(
    make_chat_app: AppFactory, fake_auth: FakeAuth, redis_client: Redis
) -> None:
    """Counted on the server with MONITOR: commands sent by clients (a script's own
    commands show as "lua" and are not round trips)."""
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.say("general", "warm: the session, the room, the sequence")
        await ada.csrf()
        seen: list[dict[str, Any]] = []
        ready = asyncio.Event()

        async def watch() -> None:
            async with redis_client.monitor() as monitor:
                ready.set()
                async for command in monitor.listen():
                    seen.append(command)

        watcher = asyncio.create_task(watch())
        await ready.wait()
        await asyncio.sleep(0.1)
        seen.clear()
        status, body, _ = await ada.post("/rooms/general/messages", body="counted")
        await asyncio.sleep(0.2)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    assert status == 303, body
    # The history writer (posts acknowledged by the log) tells the index what it stored, in
    # the background: not a round trip of the post's.
    writer_fill = f"EVALSHA {sha1(ADD_ABSENT.encode()).hexdigest()} "  # noqa: S324 (Redis names scripts by SHA-1)
    sent = [
        c["command"]
        for c in seen
        if c.get("client_type") != "lua" and not c["command"].startswith(writer_fill)
    ]
    assert len(sent) == 1, sent
    assert sent[0].upper().startswith("EVALSHA")
