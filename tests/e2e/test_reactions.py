"""Reactions in a real Chromium (issue 34): React in the message menu opens the picker; the
reaction appears live in a second browser, says who on hover, and goes when toggled off
with one click on it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.journey import open_message_menu, open_two_accounts, send_message, shoot
from tests.support.stack import RunningStack


def test_a_reaction_appears_live_elsewhere_and_goes_when_toggled_off(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        (ada, _), (bob, bob_person) = open_two_accounts(
            stack, (ada_context, bob_context), ("Ada", "Bob")
        )
        send_message(ada, "Shall we ship on Friday?")
        on_bob = bob.locator("#messages li.message", has_text="ship on Friday").last
        message_id = on_bob.get_attribute("data-message-id")
        on_ada = ada.locator(f"#message-{message_id}")

        open_message_menu(on_bob)
        on_bob.get_by_role("link", name="React").click()
        picker = on_bob.get_by_role("group", name="Add a reaction")
        picker.get_by_role("textbox").fill(":tada:")
        picker.get_by_role("textbox").press("Enter")
        expect(picker).to_have_count(0)
        mine = on_bob.locator("a.reaction", has_text="🎉")
        expect(mine).to_have_attribute("aria-pressed", "true")

        # Live in Ada's browser, with who reacted on hover.
        theirs = on_ada.locator("a.reaction", has_text="🎉")
        expect(theirs.locator(".reaction-count")).to_have_text("1")
        expect(theirs).to_have_attribute("aria-pressed", "false")
        theirs.hover()
        expect(on_ada.locator(".reaction-people")).to_be_visible()
        expect(on_ada.locator(".reaction-people")).to_have_text(bob_person.name)
        shoot(ada, screenshots, "reaction-who")

        mine.click()  # one click takes it back, here and live there
        expect(on_bob.locator("a.reaction")).to_have_count(0)
        expect(on_ada.locator("a.reaction")).to_have_count(0)
    finally:
        ada_context.close()
        bob_context.close()
