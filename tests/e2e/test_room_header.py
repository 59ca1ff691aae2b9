"""The room header on a phone without JavaScript (issues 30 and 37): the member count is a
link to the members, reachable at 390x844, and "Here now" is rendered by the server, the
viewer in it at once (no stream needed)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.journey import PHONE, without_javascript
from tests.support.stack import RunningStack

MIN_TAP = 24  # CSS px, WCAG 2.2 2.5.8


def test_member_count_and_here_now_on_a_phone_without_javascript(
    browser: Browser, stack: RunningStack
) -> None:
    context = without_javascript(browser, stack, "Hera", PHONE)
    try:
        page = context.new_page()
        page.goto(f"{stack.chat_urls[0]}/rooms/general")
        # Exactly once, whoever else the shared stack still counts as here from other tests.
        expect(page.locator('#here-now .here-list li[title="Hera"] .avatar')).to_have_count(1)
        expect(page.locator("#here-now .here-list")).to_contain_text("Hera")

        members = page.get_by_role("link", name=re.compile(r"^Members \d+$"))
        expect(members).to_be_visible()
        box = members.bounding_box()
        assert box is not None and box["width"] >= MIN_TAP and box["height"] >= MIN_TAP, box
        count = int((members.text_content() or "").split()[-1])
        members.click()
        expect(page.locator(".people-list li")).to_have_count(count)
        expect(page.locator("#members-heading")).to_contain_text(f"{count} member")
    finally:
        context.close()
