"""A room with more unread messages than a page opens at the first unread one, the
"New messages" divider above it, and "Jump to latest" leads to the newest (issue 37, item 4).
Only what was on screen counts as read (item 6): a mention below the screen keeps its badge."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    new_person,
    open_account,
    post_many,
    send_message,
    wait_until_live,
)
from tests.support.stack import RunningStack


@pytest.mark.timeout(300)  # two people, 41 messages and four room loads on a busy machine
def test_a_room_opens_at_the_first_unread_with_jump_to_latest(
    browser: Browser, stack: RunningStack
) -> None:
    # Ada's window is short (about 10 messages): what she leaves unseen on the first visit
    # is still more than a screen on the second.
    ada_context = browser.new_context(viewport={"width": 1280, "height": 520})
    bob_context = browser.new_context()
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        tag = uuid.uuid4().hex[:4]
        ada_person = new_person(f"Ada-{tag}")
        open_account(ada, stack, ada_person)
        open_account(bob, stack, new_person(f"Bob-{tag}"))
        ada.get_by_role("link", name="All rooms").click()
        ada.get_by_label("Room name").fill(f"Backlog {tag}")
        ada.get_by_role("button", name="Create the room").click()
        wait_until_live(ada)
        room_url = ada.url
        bob.goto(room_url)
        bob.get_by_role("button", name="Join this room").click()
        wait_until_live(bob)

        ada.get_by_role("link", name="general").click()
        wait_until_live(ada)
        post_many(bob, 40, f"backlog {tag}")  # more than two of her screens show
        send_message(bob, f"@{ada_person.name} the end")
        entry = ada.locator(".sidebar-entry", has_text=f"Backlog {tag}")
        expect(entry.locator(".unread-count")).to_have_text(re.compile(r"^41\b"))
        expect(entry.locator(".mention-count")).to_be_visible()

        entry.get_by_role("link").click()
        wait_until_live(ada)
        expect(ada.locator(".unread-divider")).to_be_in_viewport()
        expect(ada.get_by_text(f"backlog {tag} 0", exact=True)).to_be_in_viewport()
        jump = ada.get_by_role("button", name=re.compile("Jump to latest"))
        expect(jump).to_be_visible()
        mention = ada.locator(".mentions-you")
        expect(mention).not_to_be_in_viewport()

        # Away before the mention was on screen: its badge stays, and what was unseen.
        ada.get_by_role("link", name="general").click()
        wait_until_live(ada)
        expect(entry.locator(".mention-count")).to_be_visible()
        expect(entry.locator(".unread-count")).to_be_visible()

        # Back again: it opens at what is still unread, and "Jump to latest" leads to the
        # mention, which clears its badge once on screen.
        entry.get_by_role("link").click()
        wait_until_live(ada)
        expect(ada.locator(".unread-divider")).to_be_in_viewport()
        expect(mention).not_to_be_in_viewport()
        expect(jump).to_be_visible()
        with ada.expect_response(lambda answer: answer.url.endswith("/read")) as read:
            jump.click()
        assert read.value.status == 204
        expect(mention).to_be_in_viewport()
        expect(jump).to_be_hidden()
        ada.get_by_role("link", name="general").click()
        wait_until_live(ada)
        expect(entry.locator(".mention-count")).to_be_hidden()
    finally:
        ada_context.close()
        bob_context.close()
