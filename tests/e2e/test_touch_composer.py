"""On a touch device Enter starts a new line and the Send button sends (issue 37, item 12):
on-screen keyboards have no Shift+Enter."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.journey import new_person, open_account
from tests.support.stack import RunningStack


def test_enter_starts_a_new_line_on_a_touch_device(browser: Browser, stack: RunningStack) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Tami"))
        box = page.get_by_role("textbox", name="Message")
        box.press_sequentially("first line")
        box.press("Enter")
        box.press_sequentially("second line")
        expect(box).to_have_value("first line\nsecond line")
        expect(page.locator("#message-form .hint")).to_have_text(
            "Enter starts a new line; Send sends."
        )
        page.locator("#message-form").get_by_role("button", name="Send").tap()
        expect(box).to_have_value("")
        sent = page.locator("#messages .message-body").last
        expect(sent).to_have_text("first line\nsecond line")
    finally:
        context.close()
