"""A browser that reports what was on screen (the ``chat_reads`` cookie, read-marks.js) reads
a room through ``POST /rooms/<slug>/read`` only: opening the page reads nothing (issue 37,
item 6). Without the cookie (no JavaScript) a served page is read, as before."""

from __future__ import annotations

from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sidebar_counts, sign_in


async def test_only_what_the_page_reports_is_read(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        ada.client.set_cookie("localhost", "chat_reads", "screen")
        design = await ada.create_room("Design")
        await bob.say("general", "one")
        await bob.say("general", "two")
        await ada.get("/rooms/general")
        _, opened_only = await ada.get(f"/rooms/{design}")
        first, _, _ = await ada.post("/rooms/general/read", up_to="1")
        _, after_first = await ada.get(f"/rooms/{design}")
        past_newest, _, _ = await ada.post("/rooms/general/read", up_to="999")
        await bob.say("general", "three")
        _, after_three = await ada.get(f"/rooms/{design}")
        bad, _, _ = await ada.post("/rooms/general/read", up_to="-1")
    assert sidebar_counts(opened_only)["general"] == 2
    assert first == 204 and sidebar_counts(after_first)["general"] == 1
    assert past_newest == 204 and sidebar_counts(after_three)["general"] == 1  # "three"
    assert bad == 422
