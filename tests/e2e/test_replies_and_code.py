"""Replies and formatted code in a real Chromium (issue 34): Reply in the message menu puts
a quote above the message box, the sent reply shows it live in another browser and it
opens the original in context; in the box, Enter inside a ``` block starts a new line, and
the code block arrives highlighted, scrolling sideways, with a Copy button."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.journey import open_message_menu, open_two_accounts, send_message, shoot
from tests.support.stack import RunningStack


def test_reply_from_the_menu_and_a_code_block_from_the_box(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        (ada, ada_person), (bob, _) = open_two_accounts(
            stack, (ada_context, bob_context), ("Ada", "Bob")
        )
        send_message(ada, "Who has the **release** notes?\nasking for the team")
        original = bob.locator("#messages li.message", has_text="release notes").last
        expect(original.locator(".message-body strong")).to_have_text("release")
        original_id = original.get_attribute("data-message-id")

        open_message_menu(original)
        original.get_by_role("link", name="Reply").click()
        quote = bob.locator("#message-form .composer-reply")
        expect(quote).to_contain_text(f"Replying to {ada_person.name}: Who has the release notes?")
        box = bob.get_by_role("textbox", name="Message")
        # Inside an open fence Enter starts a new line; after the closing one it sends.
        box.fill("I do:\n```python\nnotes = open('notes.md')")
        box.press("End")
        box.press("Enter")
        expect(box).to_have_value("I do:\n```python\nnotes = open('notes.md')\n")
        box.press_sequentially("```")
        box.press("Enter")
        expect(box).to_have_value("")
        expect(quote).to_have_count(0)  # the fresh form has no reply in it

        reply = ada.locator("#messages li.message", has_text="I do:").last
        # The original counts it live in both browsers.
        for page in (ada, bob):
            expect(page.locator(f"#message-{original_id} a.reply-count")).to_have_text("1 reply")
        reply_quote = reply.locator("a.reply-quote")
        expect(reply_quote).to_have_attribute("href", f"/rooms/general?around={original_id}")
        expect(reply_quote).to_contain_text("Who has the release notes?")  # as it reads
        code = reply.locator("pre code.language-python span.n", has_text="notes")
        expect(code).to_be_visible()
        expect(reply.locator(".code-block .code-copy")).to_have_text("Copy")
        overflow = reply.locator("pre").evaluate("pre => getComputedStyle(pre).overflowX")
        assert overflow == "auto"
        shoot(ada, screenshots, "reply-with-code")

        reply_quote.click()
        expect(ada).to_have_url(re.compile(rf"\?around={original_id}$"))
        expect(ada.locator(f"#message-{original_id}")).to_have_class(re.compile("highlighted"))
    finally:
        ada_context.close()
        bob_context.close()
