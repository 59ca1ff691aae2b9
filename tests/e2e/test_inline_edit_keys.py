"""Inline edit from the keyboard (issue 37, item 10): Enter saves, Escape cancels, the
editor is on screen, and the focus goes back to the message after Save, Cancel or Delete."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    new_person,
    open_account,
    open_message_menu,
    post_many,
    send_message,
)
from tests.support.stack import RunningStack


def test_enter_saves_escape_cancels_and_focus_returns_to_the_message(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Edda"))
        send_message(page, "Teh plan")
        post_many(page, 12, "filler")  # the edited message far up the log
        message = page.locator("#messages li.message", has_text="Teh plan")
        message_id = message.get_attribute("data-message-id")
        focused_message = f"() => document.activeElement?.id === 'message-{message_id}'"

        open_message_menu(message)  # Edit and Delete live in the message's one menu
        message.get_by_role("link", name="Edit").click()
        box = page.locator(f"#message-{message_id} textarea")
        expect(box).to_be_focused()
        expect(box).to_be_in_viewport()
        expect(
            page.locator(f"#message-{message_id}").get_by_role("button", name="Save")
        ).to_be_in_viewport()
        box.press("End")
        box.press_sequentially(" (draft)")
        box.press("Escape")
        expect(page.locator(f"#message-{message_id} .message-body")).to_have_text("Teh plan")
        page.wait_for_function(focused_message)

        open_message_menu(page.locator(f"#message-{message_id}"))
        page.locator(f"#message-{message_id}").get_by_role("link", name="Edit").click()
        expect(box).to_be_focused()
        box.fill("The plan")
        box.press("Enter")
        expect(page.locator(f"#message-{message_id} .message-body")).to_have_text("The plan")
        page.wait_for_function(focused_message)

        page.once("dialog", lambda dialog: dialog.accept())
        open_message_menu(page.locator(f"#message-{message_id}"))  # "The plan" by now
        page.locator(f"#message-{message_id}").get_by_role("link", name="Delete").click()
        expect(page.locator(f"#message-{message_id} .message-body")).to_have_text("Message deleted")
        page.wait_for_function(focused_message)
        # No Delete link stays on the placeholder (issue 37, item 17).
        expect(page.locator(f"#message-{message_id} a")).to_have_count(0)
    finally:
        context.close()
