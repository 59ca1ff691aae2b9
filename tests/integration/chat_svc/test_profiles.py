"""The profile page and a person's public profile (issue 35, profiles)."""

from __future__ import annotations

import asyncio
import json
import re

from chat_svc.models.messages import author_tag
from chat_svc.models.users import set_deactivated
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.chat_svc.test_streams import next_event, open_stream, signed_in_client


async def _save(person: Person, **fields: str) -> tuple[int, str]:
    form = {"csrf_token": await person.csrf(), **fields}
    response = await person.client.post("/settings/profile", form=form)
    return response.status_code, await response.get_data(as_text=True)


async def test_a_profile_saved_shows_on_the_persons_page_to_others(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        status, _ = await _save(
            ada,
            display_name=" Ada Lovelace ",
            status="on leave until Monday",
            time_zone="Asia/Tokyo",
        )
        assert status == 303
        assert ada.session.display_name == "Ada Lovelace"  # the account at auth follows
        _, settings = await ada.get("/settings/profile")
        assert 'value="Ada Lovelace"' in settings and "on leave until Monday" in settings

        await bob.csrf()
        _, people = await bob.get("/people")
        [handle] = re.findall(
            r'<a href="/people/([^"]+)"><span class="person-name">Ada Lovelace', people
        )
        status, page = await bob.get(f"/people/{handle}")
        assert status == 200
        assert "Ada Lovelace" in page and "on leave until Monday" in page
        assert "(Asia/Tokyo)" in page and ">Message</button>" in page
        await ada.say("general", "hello")  # new messages carry the new name
        assert (
            '<bdi class="message-author">Ada Lovelace</bdi>' in (await bob.get("/rooms/general"))[1]
        )

        await set_deactivated(ada.user_id, True)
        _, page = await bob.get(f"/people/{handle}")
        assert "(deactivated)" in page and ">Message</button>" not in page
        assert (await bob.get("/people/not-a-handle"))[0] == 404


async def test_the_profile_form_keeps_todays_name_rules(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        for fields in (
            {"display_name": "Ada\u202eevil", "time_zone": ""},
            {"display_name": "", "time_zone": ""},
            {"display_name": "x" * 51, "time_zone": ""},
            {"display_name": "Ada", "time_zone": "Mars/Olympus"},
            {"display_name": "Ada", "status": "s" * 81, "time_zone": ""},
        ):
            assert (await _save(ada, **fields))[0] == 422, fields
        assert ada.session.display_name == "Ada"


async def test_a_new_name_shows_on_old_messages_on_every_replica(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as first, make_chat_app().test_app() as second:
        ada, bob = sign_in(first, fake_auth, "Ada"), sign_in(first, fake_auth, "Bob")
        await ada.say("general", "written as Ada")
        direct = await bob.open_dm(ada)
        bob_elsewhere = bob.same_browser_on(second)
        page = await (await bob_elsewhere.get("/rooms/general")).get_data(as_text=True)
        assert '<bdi class="message-author">Ada</bdi>' in page  # rendered (and kept) once
        assert (await _save(ada, display_name="Ada Lovelace", time_zone=""))[0] == 303
        await ada.say("general", "written as Ada Lovelace")
        async with asyncio.timeout(5):  # core NATS: at once, give or take the loop
            while True:
                page = await (await bob_elsewhere.get("/rooms/general")).get_data(as_text=True)
                if '<bdi class="message-author">Ada</bdi>' not in page:
                    break
                await asyncio.sleep(0.05)
        assert page.count('<bdi class="message-author">Ada Lovelace</bdi>') == 2
        # Bob's direct room with her is titled with her new name (sidebar and heading).
        dm_page = await (await bob_elsewhere.get(f"/rooms/{direct}")).get_data(as_text=True)
        assert "Ada Lovelace" in dm_page and ">Ada<" not in dm_page


async def test_open_pages_hear_a_new_name_on_their_stream(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        signed_in_client(first, ada) as ada_client,
        open_stream(second, bob.token, "?after=0") as (_, bob_events),
    ):
        page = await ada_client.get("/settings/profile")
        form = {"csrf_token": csrf_token_in(page.text), "display_name": "Ada L.", "time_zone": ""}
        assert (await ada_client.post("/settings/profile", data=form)).status_code == 303
        heard = await next_event(bob_events)
        assert heard is not None and heard.event == "person"
        assert json.loads(heard.data) == {"author": author_tag(ada.user_id), "name": "Ada L."}
