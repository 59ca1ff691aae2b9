"""A link to one message while signed out (the mention e-mail's "Open the message") still
points at that message after signing in (issue 37, item 16)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.journey import message_ids, new_person, open_account, send_message, sign_in
from tests.support.stack import RunningStack


def test_the_message_link_survives_signing_in(browser: Browser, stack: RunningStack) -> None:
    signed_in, signed_out = browser.new_context(), browser.new_context()
    try:
        page, ada = signed_in.new_page(), new_person("Linka")
        open_account(page, stack, ada)
        send_message(page, "the message the e-mail links to")
        expect(page.get_by_text("the message the e-mail links to")).to_be_visible()
        linked = message_ids(page)[-1]

        later = signed_out.new_page()
        later.goto(f"{stack.chat_urls[0]}/rooms/general#message-{linked}")
        expect(later).to_have_url(re.compile(re.escape(f"{stack.auth_url}/sign-in")))
        sign_in(later, stack, ada)
        expect(later).to_have_url(re.compile(rf"/rooms/general#message-{linked}$"))
        expect(later.locator(f"#message-{linked}")).to_be_in_viewport()
    finally:
        signed_in.close()
        signed_out.close()
