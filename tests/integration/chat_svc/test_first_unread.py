"""A room opens at its first unread message (issue 37, item 4), however many came since:
every unread message is on the page, with the "new messages" divider right above the first."""

from __future__ import annotations

import pytest

from chat_svc.web import room_view
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in


async def open_twice_after(
    make_chat_app: AppFactory, fake_auth: FakeAuth, unread: int
) -> tuple[str, str]:
    """Ada has read messages 1-3, then ``unread`` more come: her page of general, twice."""
    async with make_chat_app(page_size=10, message_rate_count=100).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        await ada.csrf()
        for number in range(3):
            await bob.say("general", f"read {number}")
        await ada.get("/rooms/general")
        for number in range(unread):
            await bob.say("general", f"new {number}")
        _, page = await ada.get("/rooms/general")
        _, again = await ada.get("/rooms/general")
    return page, again


async def test_more_unread_than_a_page_opens_at_the_first_unread(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    page, again = await open_twice_after(make_chat_app, fake_auth, 16)
    # From the first unread to the newest, with no gap; the read ones a click away.
    assert message_ids_in(page) == list(range(4, 20))
    assert page.index('class="unread-divider"') < page.index('data-message-id="4"')
    assert "/rooms/general/messages?before=4" in page
    assert page.count('class="unread-divider"') == 1
    assert 'class="unread-divider"' not in again  # read now
    assert message_ids_in(again) == list(range(10, 20))  # the usual newest page again


async def test_past_the_unread_window_the_room_opens_around_the_first_unread(
    make_chat_app: AppFactory, fake_auth: FakeAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(room_view, "UNREAD_WINDOW", 12)  # 200 in service: 12 posts less
    page, again = await open_twice_after(make_chat_app, fake_auth, 20)
    shown = message_ids_in(page)
    assert shown[0] <= 4 < 23 and 4 in shown and 23 not in shown, shown
    assert page.index('class="unread-divider"') < page.index('data-message-id="4"')
    assert "Jump to the newest messages" in page
    assert message_ids_in(again) == shown  # nothing past the page was marked read
