"""A name change in real browsers (issue 35): the other person's browser, on the other
replica, shows the new name on the old message at once (live) and after a reload, and in
the title of their direct room."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    open_account_menu,
    open_two_accounts,
    send_message,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_a_new_name_shows_on_old_messages_and_the_direct_room_in_a_second_browser(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ann, ann_person), (bob, bob_person) = open_two_accounts(stack, contexts, ("Ann", "Bob"))
        send_message(ann, "said before the new name")
        bob.goto(f"{stack.chat_urls[1]}/people")  # the other replica
        bob.locator("li", has_text=ann_person.name).get_by_role("button", name="Message").click()
        dm_url = bob.url

        bob.goto(f"{stack.chat_urls[1]}/rooms/general")  # open before the rename
        wait_until_live(bob)
        old = bob.locator(".message", has_text="said before the new name")
        expect(old.locator(".message-author")).to_have_text(ann_person.name)
        new_name = f"Annabel {uuid.uuid4().hex[:4]}"
        open_account_menu(ann)
        ann.get_by_role("link", name="Your profile").click()
        ann.get_by_label("Display name").fill(new_name)
        ann.get_by_label("Status").fill("on leave until Monday")
        ann.get_by_role("button", name="Save").click()
        expect(ann.get_by_role("status")).to_have_text("Saved.")

        expect(old.locator(".message-author")).to_have_text(new_name)  # live, no reload
        bob.reload()
        expect(old.locator(".message-author")).to_have_text(new_name)
        bob.goto(dm_url)
        expect(bob.locator(f'.sidebar-entry:has-text("{new_name}")')).to_be_visible()
        expect(bob.locator(f'.sidebar-entry:has-text("{ann_person.name}")')).to_have_count(0)
        assert bob_person.name not in new_name
    finally:
        for context in contexts:
            context.close()
