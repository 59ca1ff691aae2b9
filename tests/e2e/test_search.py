"""Search in a real Chromium: "/" focuses the header's box, results come while typing (the
address bar kept in step), a result opens the room at that message, highlighted, with its
context; and the same search without JavaScript."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.journey import new_person, open_account, send_message, shoot, without_javascript
from tests.support.stack import RunningStack


def test_type_see_results_and_land_on_the_highlighted_message(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    word = "zq" + uuid.uuid4().hex[:8]  # found in this test's message only
    with browser.new_context() as context:
        page = context.new_page()
        open_account(page, stack, new_person("Sol"))
        send_message(page, "before the one we look for")
        send_message(page, f"The {word} plan is on the <b>wiki</b>")
        send_message(page, "after the one we look for")

        page.evaluate("document.activeElement.blur()")  # out of the message box
        page.keyboard.press("/")
        expect(page.locator("#header-search")).to_be_focused()
        page.keyboard.type(word[:5])
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/search\?q=" + word[:5]))

        box = page.get_by_label("Search messages")
        box.press_sequentially(word[5:], delay=40)
        result = page.locator(".search-result-link")
        expect(result).to_have_count(1)
        expect(result.locator("mark")).to_have_text(word)
        expect(result).to_contain_text("<b>wiki</b>")  # typed markup shown as text
        expect(page).to_have_url(re.compile(r"/search\?q=" + word + r"&sort=newest$"))
        shoot(page, screenshots, "40-search-results")

        result.click()
        expect(page).to_have_url(re.compile(r"/rooms/general\?around=\d+$"))
        message_id = page.url.rsplit("=", 1)[1]
        highlighted = page.locator(f"#message-{message_id}")
        expect(highlighted).to_have_class(re.compile(r"\bhighlighted\b"))
        expect(highlighted).to_contain_text(word)
        expect(page.locator(".message", has_text="before the one we look for")).to_be_visible()
        expect(page.locator(".message", has_text="after the one we look for")).to_be_visible()


def test_search_without_javascript(browser: Browser, stack: RunningStack) -> None:
    word = "zq" + uuid.uuid4().hex[:8]
    with browser.new_context() as setup:
        writer = setup.new_page()
        open_account(writer, stack, new_person("Wes"))
        send_message(writer, f"plain {word} text")
    context = without_javascript(browser, stack, "Noa", {"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{stack.chat_urls[0]}/rooms/general")
        page.get_by_label("Search messages").fill(word)
        page.get_by_label("Search messages").press("Enter")
        expect(page).to_have_url(re.compile(r"/search\?q=" + word))
        result = page.locator(".search-result-link")
        expect(result).to_have_count(1)
        result.click()
        expect(page.locator(".message.highlighted")).to_contain_text(word)
    finally:
        context.close()
