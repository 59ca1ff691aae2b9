"""The chat page's offline notice is readable in both colour schemes (issue 17, item 5).

It reads the chat page's ``#live-status`` as it is before the rooms rewrite: if that page
names its status differently, point ``STATUS`` at the new element.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.axe import ColorScheme
from tests.e2e.contrast import CONTRAST_JS
from tests.e2e.journey import new_person, open_account
from tests.support.stack import RunningStack

STATUS = "#live-status"
BODY_TEXT_PX = 16  # the smallest text we ask people to read news in


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_offline_notice_is_full_size_and_contrasted(
    browser: Browser, stack: RunningStack, scheme: ColorScheme
) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Omar"))
        context.set_offline(True)
        status = page.locator(STATUS)
        expect(status).to_have_attribute("data-state", "offline")
        assert status.evaluate(CONTRAST_JS) >= 4.5
        size = status.evaluate("(element) => parseFloat(getComputedStyle(element).fontSize)")
        assert size >= BODY_TEXT_PX
        context.set_offline(False)
    finally:
        context.close()
