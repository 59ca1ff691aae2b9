"""Administrators' pages (issue 35): only administrators reach them, every action is in the
audit log, never the last administrator, deactivation ends streams on every replica."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.js import JetStreamContext
from quart.typing import TestAppProtocol as RunningApp

from chat_svc.administration.audit_log import AuditEntry
from chat_svc.models.users import select_people, select_user, set_role
from chat_svc.runtime import runtime_of
from service_kit.events import UserCreated, UserRoleChanged
from service_kit.messaging.jetstream import publish_event
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.chat_svc.test_streams import (
    next_event,
    open_stream,
    post,
    signed_in_client,
)
from tests.support.database_commands import database_commands


async def _submit(person: Person, path: str, fields: dict[str, str]) -> tuple[int, str]:
    """A form post with the person's own CSRF token (a forgery a member can make)."""
    form = {"csrf_token": await person.csrf(), **fields}
    response = await person.client.post(path, form=form)
    return response.status_code, await response.get_data(as_text=True)


@asynccontextmanager
async def admin_and_member(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> AsyncIterator[tuple[RunningApp, Person, Person]]:
    """One replica with Ada, an administrator, and Bob, a member."""
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await _admin(ada)
        yield test_app, ada, bob


async def _admin(person: Person) -> None:
    await person.csrf()  # chat knows a person from their first request
    await set_role(person.user_id, "admin")


async def test_a_member_forging_every_admin_request_gets_404_and_nothing_changes(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (test_app, ada, bob):
        await bob.say("general", "mine to keep")
        link = "http://chat/rooms/general#message-1"
        assert (await ada.get("/settings/people"))[0] == 200
        for path in (
            "/settings/people",
            "/settings/audit",
            f"/settings/messages/remove?link={link}",
        ):
            assert (await bob.get(path))[0] == 404
        forged: list[tuple[str, dict[str, str]]] = [
            ("/settings/join-link", {}),
            (f"/settings/people/{ada.user_id}/role", {"role": "member"}),
            (f"/settings/people/{bob.user_id}/role", {"role": "admin"}),
            (f"/settings/people/{ada.user_id}/deactivate", {}),
            (f"/settings/people/{ada.user_id}/reactivate", {}),
            ("/settings/messages/remove", {"link": link}),
            ("/settings/room-creation", {"room_creators": "admins"}),
            ("/settings/people/invite", {"email": "eve@example.com", "display_name": "Eve"}),
        ]
        stranger = test_app.test_client()
        for path, fields in forged:
            assert (await _submit(bob, path, fields))[0] == 404, path
            assert (await stranger.post(path, form=fields)).status_code == 404, path
        assert await AuditEntry.find().count() == 0
        ada_now, bob_now = await select_user(ada.user_id), await select_user(bob.user_id)
        assert ada_now is not None and (ada_now.role, ada_now.deactivated) == ("admin", False)
        assert bob_now is not None and bob_now.role == "member"
        assert fake_auth.join_code == "first-code" and not fake_auth.roles
        assert not fake_auth.deactivated and not fake_auth.invited and not ada.session.revoked
        assert "mine to keep" in (await bob.get("/rooms/general"))[1]
        await bob.create_room("Still open to all")  # room creation untouched


async def test_administrators_may_keep_room_creation_to_themselves(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (_test_app, ada, bob):
        await _submit(ada, "/settings/room-creation", {"room_creators": "admins"})
        status, body = await _submit(bob, "/rooms", {"name": "Mine", "visibility": "open"})
        assert status == 403 and "administrators create the rooms" in body
        await ada.create_room("Announcements")
        await _submit(ada, "/settings/room-creation", {"room_creators": "everyone"})
        await bob.create_room("Mine")
        actions = [entry.action for entry in await AuditEntry.find().sort("+at").to_list()]
        assert actions == ["room-creation:admins", "room-creation:everyone"]


async def test_an_administrator_removes_a_message_by_its_link_and_everyone_sees_why(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (_test_app, ada, bob):
        await bob.say("general", "something abusive")
        link = "http://127.0.0.1:8002/rooms/general#message-1"
        status, page = await ada.get(f"/settings/messages/remove?link={link}")
        assert status == 200 and "something abusive" in page
        assert (await ada.get("/settings/messages/remove?link=/rooms/general"))[0] == 404
        assert (await _submit(ada, "/settings/messages/remove", {"link": link}))[0] == 303
        _, room = await bob.get("/rooms/general")
        assert "something abusive" not in room and "Removed by an administrator" in room
        entry = await AuditEntry.find_one()
        assert entry is not None and (entry.action, entry.outcome) == ("message:remove", "done")
        assert (await ada.get(f"/settings/messages/remove?link={link}"))[0] == 404  # gone
        # A closed room Ada is not in: she may remove with the link but never reads it.
        secret = await bob.create_room("Secret", visibility="closed")
        await bob.say(secret, "private words")
        status, page = await ada.get(f"/settings/messages/remove?link=/rooms/{secret}#message-1")
        assert status == 200 and "private words" not in page and "stays private" in page


async def test_roles_change_never_leaving_no_administrator_and_each_action_is_audited(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with admin_and_member(make_chat_app, fake_auth) as (_test_app, ada, bob):
        await bob.csrf()
        _, page = await ada.get("/settings/people")
        assert "http://auth/join/first-code" in page
        assert (await ada.post("/settings/join-link"))[0] == 303
        _, page = await ada.get("/settings/people?done=join-link")
        assert f"http://auth/join/{fake_auth.join_code}" in page and "first-code" not in page

        status, _, location = await ada.post(f"/settings/people/{bob.user_id}/role", role="admin")
        assert (status, location) == (303, "/settings/people?done=role")
        assert fake_auth.roles[bob.user_id] == "admin"
        assert (await bob.get("/settings/people"))[0] == 200  # at his next request
        assert (await bob.post(f"/settings/people/{ada.user_id}/role", role="member"))[0] == 303
        assert (await ada.get("/settings/people"))[0] == 404
        # Bob is the last administrator now: he can neither step down nor deactivate himself.
        last_steps: list[tuple[str, dict[str, str]]] = [
            ("role", {"role": "member"}),
            ("deactivate", {}),
        ]
        for path, fields in last_steps:
            status, body = await _submit(bob, f"/settings/people/{bob.user_id}/{path}", fields)
            assert status == 409 and "at least one active administrator" in body
        assert (await bob.post(f"/settings/people/{bob.user_id}/role", role="boss"))[0] == 400

        invitation = {"email": "cy@example.com", "display_name": "Cy"}
        assert (await _submit(bob, "/settings/people/invite", invitation))[0] == 303
        bad = {"email": "not an address", "display_name": "Cy"}
        assert (await _submit(bob, "/settings/people/invite", bad))[0] == 422
        assert fake_auth.invited == ["cy@example.com"]
        _, audit = await bob.get("/settings/audit")
        rows = re.findall(r'<tr class="audit-entry">(.*?)</tr>', audit, re.DOTALL)
        texts = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in rows]
        assert [row[2:] for row in texts] == [
            ["Bob", "invite", "not", "an", "address", "failed"],
            ["Bob", "invite", "cy@example.com", "done"],
            ["Bob", "role:member", "Ada", "done"],
            ["Ada", "role:admin", "Bob", "done"],
            ["Ada", "join-link:regenerate", "done"],
        ]


async def test_deactivation_ends_open_streams_on_two_replicas_and_reactivation_restores(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        signed_in_client(first, ada) as admin,
        signed_in_client(second, bob) as bob_client,
        open_stream(first, bob.token, "?after=0") as (_, on_first),
        open_stream(second, bob.token, "?after=0") as (_, on_second),
    ):
        await admin.get("/rooms")  # chat knows a person from their first request
        await set_role(ada.user_id, "admin")
        await post(bob_client, "kept after I leave")
        page = await admin.get("/settings/people")
        assert "Bob" in page.text
        assert "Bob" in (await admin.get("/rooms/general/members?q=B")).text  # now cached
        path = f"/settings/people/{bob.user_id}/deactivate"
        response = await admin.post(path, data={"csrf_token": csrf_token_in(page.text)})
        assert response.status_code == 303
        async with asyncio.timeout(5):  # the bound: streams end within 5 s
            for events in (on_first, on_second):
                closing = await next_event(events, skip=("here", "message"))
                assert closing is not None and closing.event == "signed-out"
        assert bob.revoked and bob.user_id in fake_auth.deactivated
        people = await admin.get("/people")
        assert "Bob" not in people.text  # hidden from the people list
        assert "Bob" not in (await admin.get("/rooms/general/members?q=B")).text
        page = await admin.get("/settings/people")
        assert "Deactivated" in page.text
        room = (await admin.get("/rooms/general")).text
        assert "kept after I leave" in room and ">Bob (deactivated)</bdi>" in room

        path = f"/settings/people/{bob.user_id}/reactivate"
        response = await admin.post(path, data={"csrf_token": csrf_token_in(page.text)})
        assert response.status_code == 303 and bob.user_id not in fake_auth.deactivated
        assert "Bob" in (await admin.get("/people")).text
        assert ">Bob</bdi>" in (await admin.get("/rooms/general")).text


async def test_roles_from_auth_reach_chats_copy_through_the_users_durable(
    make_chat_app: AppFactory, jetstream: JetStreamContext
) -> None:
    app = make_chat_app()
    async with app.test_app():
        consumer = runtime_of(app).consumer
        events = [
            UserCreated(
                user_id="user-1", email="ada@example.com", display_name="Ada", role="admin"
            ),
            UserCreated(user_id="user-2", email="bob@example.com", display_name="Bob"),
            UserRoleChanged(user_id="user-2", role="admin"),  # `just admin bob@example.com`
            UserRoleChanged(user_id="user-1", role="member"),
        ]
        for event in events:
            await publish_event(jetstream, event)
        async with asyncio.timeout(15):  # a safety net, not a timed assertion
            while consumer.stats.handled < len(events):
                await asyncio.sleep(0.02)
        people = {p.user_id: p.role for p in await select_people()}
        assert people == {"user-1": "member", "user-2": "admin"}


async def test_two_administrators_demoting_each_other_at_once_leave_one(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    """The last administrator is never demoted, even by two demotions racing; and while
    another administrator is left, a demotion confirms them by their stored record alone,
    without counting every user (on FerretDB a scan)."""
    with database_commands() as counter:
        async with admin_and_member(make_chat_app, fake_auth) as (_test_app, ada, bob):
            cy = sign_in(_test_app, fake_auth, "Cy")
            for admin in (bob, cy):
                await _admin(admin)
            for admin in (ada, bob, cy):  # each card learns its stored record's _id
                assert (await admin.get("/settings/people"))[0] == 200
            counter.armed = True
            demoted, _, _ = await ada.post(f"/settings/people/{cy.user_id}/role", role="member")
            counter.armed = False
            racing = await asyncio.gather(
                ada.post(f"/settings/people/{bob.user_id}/role", role="member"),
                bob.post(f"/settings/people/{ada.user_id}/role", role="member"),
            )
            admins = [p.user_id for p in await select_people() if p.role == "admin"]
    assert demoted == 303
    assert sorted(status for status, _, _ in racing) == [303, 409] and len(admins) == 1
    users_read = [query for collection, query in counter.find_filters if collection == "users"]
    users_commands = {command for command, collection in counter.sent if collection == "users"}
    assert users_commands == {"find", "update"}, counter.sent  # no count: the change itself
    assert all(list(query) == ["_id"] for query in users_read), users_read
