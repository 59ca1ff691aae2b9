"""Per-room notification levels (issue 33): set from the room header's menu or from
/settings/notifications without JavaScript, kept on the membership."""

from __future__ import annotations

from chat_svc.models.memberships import select_membership
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in

SELECTED = '<option value="{}" selected>'


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
