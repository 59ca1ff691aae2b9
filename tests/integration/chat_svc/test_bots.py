"""Bots: administrators make them (a key and a webhook per room, shown once); an incoming
webhook posts as the bot, marked "bot" where its name shows; a rotated secret stops the old
URL at once on every replica."""

from __future__ import annotations

import re

import httpx

from chat_svc.models.users import ChatUser
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.test_streams import next_event, open_stream, signed_in_client

HOOK_URL = re.compile(r'class="hook-url" data-room="general">[^<]*?(/hooks/[^<]+)<')
BOT_KEY = re.compile(r'id="bot-key">([^<]+)<')


async def make_admin(base_url: str, session: FakeSession) -> None:
    async with signed_in_client(base_url, session) as browser:
        assert (await browser.get("/rooms/general")).status_code == 200  # chat knows them now
    user = await ChatUser.find_one(ChatUser.user_id == session.user_id)
    assert user is not None
    user.role = "admin"
    await user.save()


async def admin_form(browser: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    page = await browser.get("/admin/bots")
    assert page.status_code == 200, page.text
    return await browser.post(path, data={"csrf_token": csrf_token_in(page.text), **fields})


async def test_an_incoming_webhook_posts_as_the_bot_and_a_rotated_secret_stops_the_old_url(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        open_stream(second, bob.token, "?after=0") as (_, bob_sees),
    ):
        await make_admin(first, ada)
        async with signed_in_client(first, bob) as not_admin:
            assert (await not_admin.get("/admin/bots")).status_code == 404
        async with signed_in_client(first, ada) as admin:
            created = await admin_form(admin, "/admin/bots", name="CI", rooms="general")
            assert created.status_code == 200, created.text
            hook = HOOK_URL.search(created.text)
            key = BOT_KEY.search(created.text)
            assert hook and key
            listed = await admin.get("/admin/bots")
            assert hook.group(1) not in listed.text and key.group(1) not in listed.text
        async with httpx.AsyncClient() as ci:
            said = await ci.post(f"{second}{hook.group(1)}", content="build 42 passed")
            assert said.status_code == 201, said.text
            seen = await next_event(bob_sees)
            assert seen is not None and "build 42 passed" in seen.data and "bot-badge" in seen.data
            as_json = await ci.post(f"{first}{hook.group(1)}", json={"text": "deploy done"})
            assert as_json.status_code == 201
            for unreadable, kind in ((b"\xff\xfe", "text/plain"), (b"[1]", "application/json")):
                refused = await ci.post(
                    f"{first}{hook.group(1)}", content=unreadable, headers={"Content-Type": kind}
                )
                assert (refused.status_code, refused.json()["code"]) == (422, "no_text")
            wrong_room = hook.group(1).replace("/hooks/general/", "/hooks/other/")
            assert (await ci.post(f"{first}{wrong_room}", content="x")).status_code == 404

            me = await ci.get(
                f"{first}/api/v1/me", headers={"Authorization": f"Bearer {key.group(1)}"}
            )
            assert me.status_code == 200 and me.json()["name"] == "CI"
            people = await ci.get(
                f"{first}/api/v1/people", headers={"Authorization": f"Bearer {key.group(1)}"}
            )
            assert {"id": me.json()["id"], "name": "CI", "bot": True} in people.json()["people"]

            async with signed_in_client(first, ada) as admin:
                page = await admin.get("/admin/bots")
                rotate = re.search(r'action="(/admin/bots/[^"]+/hooks/general/rotate)"', page.text)
                assert rotate
                rotated = await admin_form(admin, rotate.group(1))
                new_hook = HOOK_URL.search(rotated.text)
                assert new_hook and new_hook.group(1) != hook.group(1)
            old = await ci.post(f"{second}{hook.group(1)}", content="old secret")
            assert old.status_code == 404
            assert old.headers["content-type"] == "application/problem+json"
            assert (await ci.post(f"{second}{new_hook.group(1)}", content="new")).status_code == 201
        async with signed_in_client(first, bob) as browser:
            people_page = await browser.get("/people")
            assert re.search(
                r'person-name">CI</span>(</a>)? <span class="bot-badge">bot</span>',
                people_page.text,
            )
