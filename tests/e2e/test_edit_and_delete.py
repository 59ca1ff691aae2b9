"""Edit and delete in a real Chromium: inline for the author, live in a second browser,
still right after that browser resumes, and absent from others' messages (they offer Reply
only)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    new_person,
    open_account,
    open_message_menu,
    send_message,
    shoot,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_edit_and_delete_live_in_a_second_browser_and_after_a_resume(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        open_account(ada, stack, new_person("Ada"))
        open_account(bob, stack, new_person("Bob"))
        send_message(ada, "Teh review is at ten")
        send_message(ada, "Bring the slides")
        send_message(bob, "Noted")
        draft = ada.locator("#messages li.message", has_text="Teh review is at ten")
        slides = ada.locator("#messages li.message", has_text="Bring the slides")
        bob_draft = bob.locator("#messages li.message", has_text="review is at ten")
        expect(bob_draft).to_be_visible()
        message_id = draft.get_attribute("data-message-id")

        # Bob can only reply to Ada's messages (issue 34); Ada only to Bob's.
        expect(bob_draft.locator(".edit-message, .delete-message")).to_have_count(0)
        noted = ada.locator("#messages li.message", has_text="Noted")
        expect(noted.locator(".reply-message")).to_have_count(1)
        expect(noted.locator(".edit-message, .delete-message")).to_have_count(0)

        # Ada corrects her message inline; Bob sees it change, marked edited.
        open_message_menu(draft)
        draft.get_by_role("link", name="Edit").click()
        box = ada.locator(f"#message-{message_id} textarea")
        expect(box).to_have_value("Teh review is at ten")
        box.fill("The review is at ten")
        ada.locator(f"#message-{message_id}").get_by_role("button", name="Save").click()
        edited = bob.locator(f"#message-{message_id}")
        expect(edited.locator(".message-body")).to_have_text("The review is at ten")
        expect(edited).to_contain_text("(edited)")
        expect(ada.locator(f"#message-{message_id} .message-body")).to_have_text(
            "The review is at ten"
        )
        expect(bob.locator(f"#messages [data-message-id='{message_id}']")).to_have_count(1)

        # Bob's stream drops; meanwhile Ada deletes the other message. Bob resumes.
        bob_context.set_offline(True)
        expect(bob.locator("#live-status")).to_contain_text("Offline")
        ada.once("dialog", lambda dialog: dialog.accept())
        open_message_menu(slides)
        slides.get_by_role("link", name="Delete").click()
        expect(ada.locator("#messages li.message-deleted")).to_have_count(1)
        bob_context.set_offline(False)
        wait_until_live(bob)
        gone = bob.locator("#messages li.message-deleted")
        expect(gone).to_have_text("Message deleted")
        expect(bob.get_by_text("Bring the slides")).to_have_count(0)
        expect(bob.locator("#messages li.message")).to_have_count(
            ada.locator("#messages li.message").count()
        )

        # A reload: the same, from the server.
        bob.reload()
        wait_until_live(bob)
        expect(bob.get_by_text("Bring the slides")).to_have_count(0)
        expect(bob.locator(f"#message-{message_id}")).to_contain_text("(edited)")
        shoot(bob, screenshots, "21-edited-and-deleted")
    finally:
        ada_context.close()
        bob_context.close()
