"""Who is here and who is typing, in two real browsers."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.journey import new_person, open_account
from tests.support.stack import RunningStack


def test_here_now_and_typing_in_two_browsers(browser: Browser, stack: RunningStack) -> None:
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        ada_person, bob_person = new_person("Ada"), new_person("Bob")
        open_account(ada, stack, ada_person)
        open_account(bob, stack, bob_person)
        ada_here = ada.locator("#here-now .here-list")
        expect(ada_here).to_contain_text(ada_person.name)
        expect(ada_here).to_contain_text(bob_person.name)

        # Bob types: Ada sees it, Bob does not see himself; it goes 6 s after he stops.
        bob.get_by_role("textbox", name="Message").press_sequentially("Almost done", delay=50)
        expect(ada.locator("#typing-line")).to_have_text(f"{bob_person.name} is typing…")
        expect(bob.locator("#typing-line")).to_have_text("")
        expect(ada.locator("#typing-line")).to_have_text("", timeout=10_000)

        # Bob types a last letter and sends at once: the signal for that letter reaches
        # Ada in the next second's typing frame, after his message; it must not put him
        # back on the line for 6 s (issue 37, item 18). His first signal has expired (the
        # line emptied above), so that letter sends one.
        box = bob.get_by_role("textbox", name="Message")
        box.press_sequentially("!")
        box.press("Enter")
        expect(ada.get_by_text("Almost done!")).to_be_visible()
        # Nothing to wait on for "did not come back": the frame is due within a second.
        ada.wait_for_timeout(2_000)
        expect(ada.locator("#typing-line")).to_have_text("", timeout=100)

        # Bob closes his tab: he leaves Ada's list within 10 s.
        bob.close()
        expect(ada_here).not_to_contain_text(bob_person.name, timeout=10_000)
        expect(ada_here).to_contain_text(ada_person.name)
    finally:
        ada_context.close()
        bob_context.close()
