"""Per-room notification levels (issue 33): set from the room header's menu or from
/settings/notifications without JavaScript, kept on the membership."""

from __future__ import annotations

import re

from chat_svc.models.memberships import select_membership
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import next_event

SELECTED = '<option value="{}" selected>'
MARKED_LEVEL = re.compile(r'<button type="submit" name="level" value="(\w+)" aria-current="true">')


async def test_a_room_level_is_set_from_the_header_and_the_settings_page(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        dm = await ada.open_dm(bob)
        _, room_page = await ada.get("/rooms/general")
        _, before = await ada.get("/settings/notifications")
        from_header = await ada.post("/rooms/general/notifications", level="everything")
        stored = await select_membership("general", ada.user_id)
        from_settings = await ada.post(
            "/rooms/general/notifications", level="nothing", return_to="settings"
        )
        _, after = await ada.get("/settings/notifications")
        unknown = await ada.post("/rooms/general/notifications", level="loud")
        direct = await ada.post(f"/rooms/{dm}/notifications", level="nothing")
        bobs_direct = await bob.post(f"/rooms/{dm}/notifications", level="nothing")
        stranger = sign_in(test_app, fake_auth, "Cy")
        hidden_dm = await stranger.post(f"/rooms/{dm}/notifications", level="nothing")
        forged = await ada.client.post("/rooms/general/notifications", form={"level": "nothing"})
        _, bobs_settings = await bob.get("/settings/notifications")

    assert 'action="/rooms/general/notifications"' in room_page
    assert 'name="level" value="nothing"' in room_page
    assert SELECTED.format("mentions") in before  # the default for rooms
    assert from_header[0::2] == (303, "/rooms/general")
    assert stored is not None and stored.notification_level == "everything"
    assert from_settings[0::2] == (303, "/settings/notifications?saved=1#room-levels")
    assert SELECTED.format("nothing") in after
    assert unknown[0] == 422
    assert direct[0] == 422  # direct messages always notify
    assert bobs_direct[0] == 422  # for Bob as well
    assert hidden_dm[0] == 404
    assert forged.status_code == 400
    assert f"level-{dm}" not in bobs_settings and SELECTED.format("mentions") in bobs_settings


def marked_level(page: str) -> str:
    [level] = MARKED_LEVEL.findall(page)
    return str(level)


async def test_the_bell_marks_each_persons_level_and_a_change_redraws_their_sidebars(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    app = make_chat_app()
    async with app.test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        quiet = await ada.create_room("Quiet")
        await bob.post(f"/rooms/{quiet}/join")
        _, before = await bob.get(f"/rooms/{quiet}")
        async with (
            serve(app, lifespan="off") as base,
            room_stream(base, bob.session, "general", "") as (_, events),
        ):
            assert (await bob.post(f"/rooms/{quiet}/notifications", level="nothing"))[0] == 303
            redraw = await next_event(events, skip=("here", "unread"))
        # The page is drawn from a skeleton per room shape (web/fast_paths/): his, then hers.
        _, bobs = await bob.get(f"/rooms/{quiet}")
        _, adas = await ada.get(f"/rooms/{quiet}")
        _, bobs_general = await bob.get("/rooms/general")

    assert marked_level(before) == "mentions"  # the default, marked without JavaScript
    assert marked_level(bobs) == "nothing" and marked_level(adas) == "mentions"
    assert redraw is not None and redraw.event == "sidebar"  # his other tabs redraw
    assert f'data-room="{quiet}" data-kind="open" data-level="nothing"' in bobs_general
