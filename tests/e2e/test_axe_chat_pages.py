"""axe-core on the chat's pages (a room with messages, errors and a failed send, the rooms
list, the people page, older messages without JavaScript, the edit and delete pages, the
notification settings, an unsubscribe link that is not valid, a missing room), in light and
dark schemes:
zero serious or critical violations.

Marked ``axe`` like test_axe_auth_pages.py: it needs axe-core in node_modules.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.axe import ColorScheme, assert_no_blocking_violations, axe_context
from tests.e2e.journey import htmx_settled, new_person, open_account, send_message
from tests.support.stack import RunningStack

pytestmark = pytest.mark.axe
SCHEMES: list[ColorScheme] = ["light", "dark"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_chat_pages(browser: Browser, stack: RunningStack, scheme: ColorScheme) -> None:
    with axe_context(browser, scheme, viewport={"width": 1280, "height": 800}) as context:
        page = context.new_page()
        open_account(page, stack, new_person("Axel"))
        send_message(page, "Hello from the accessibility check, שלום")
        expect(page.locator("#messages .message")).not_to_have_count(0)
        htmx_settled(page)
        assert_no_blocking_violations(page, f"room page ({scheme})")

        # An error in the composer (an over-long message) and the character count.
        box = page.get_by_role("textbox", name="Message")
        box.fill("x" * 2001)
        expect(page.locator("#char-count")).to_be_visible()
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#message-form .field-error")).to_be_visible()
        htmx_settled(page)
        assert_no_blocking_violations(page, f"room page with a send error ({scheme})")

        # A failed send's "Not sent" and Retry.
        box.fill("offline draft")
        context.set_offline(True)
        box.press("Enter")
        expect(page.locator("#send-status")).to_contain_text("Not sent")
        assert_no_blocking_violations(page, f"room page, not sent ({scheme})")
        context.set_offline(False)

        own = page.locator("#messages .own-message").first.get_attribute("data-message-id")
        # A reaction (chat_svc/reactions/), added from the picker page's forms.
        page.goto(f"{stack.chat_urls[0]}/rooms/general/messages/{own}/reactions")
        page.get_by_role("button", name="👍", exact=True).click()
        expect(page.locator(f"#message-{own} a.reaction")).to_have_attribute("aria-pressed", "true")
        htmx_settled(page)
        assert_no_blocking_violations(page, f"room page with a reaction ({scheme})")
        pages = (
            ("/rooms", "Rooms"),
            ("/people", "People"),
            ("/rooms/general/messages?before=999999999", "Older messages"),  # without JS
            (f"/rooms/general/messages/{own}/edit", "Edit your message"),
            (f"/rooms/general/messages/{own}/delete", "Delete your message"),
            (f"/rooms/general/messages/{own}/reactions", "React to"),
            ("/settings/notifications", "Notifications"),
            ("/unsubscribe/mentions/not-a-real-link", None),
            ("/rooms/no-such-room", None),
        )
        for path, heading in pages:
            page.goto(f"{stack.chat_urls[0]}{path}")
            if heading:
                expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            else:
                expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_no_blocking_violations(page, f"{path} ({scheme})")
