"""Issue 16 items 1 and 4 in a real Chromium: where sign-in may send a browser, and
whose browser a hand-off code may sign in."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.journey import (
    new_person,
    request_sign_up,
    set_password_from_email,
    sign_in,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_a_next_path_with_a_tab_stays_on_chat(context: BrowserContext, stack: RunningStack) -> None:
    """Chromium strips the TAB: ``/\\t/evil.example/`` would be ``//evil.example/``."""
    page = context.new_page()
    person = new_person("Tab")
    request_sign_up(page, stack, person)
    set_password_from_email(page, stack, person)
    page.goto(f"{stack.auth_url}/sign-in?next=%2F%09%2Fevil.example%2F")
    sign_in(page, stack, person)
    wait_until_live(page)
    chat_origins = "|".join(re.escape(url) for url in stack.chat_urls)
    # The safe default, "/", sends a person to the room they last opened (general here).
    expect(page).to_have_url(re.compile(rf"^({chat_origins})/rooms/general$"))


def test_an_attackers_hand_off_link_does_not_sign_in_the_victim(
    browser: Browser, stack: RunningStack
) -> None:
    attacker = browser.new_context()
    victim = browser.new_context()
    try:
        # The attacker signs in as himself and stops before his browser redeems the code.
        page = attacker.new_page()
        mallory = new_person("Mallory")
        request_sign_up(page, stack, mallory)
        set_password_from_email(page, stack, mallory)
        attacker.clear_cookies()  # choosing the password signed him in: start signed out
        page.goto(stack.chat_urls[0])  # chat sends him to sign in
        page.route("**/session/start*", lambda route: route.abort())
        with page.expect_request("**/session/start*") as stopped:
            sign_in(page, stack, mallory)
        hand_off_link = stopped.value.url
        assert "code=" in hand_off_link

        # The victim opens his link, in her own browser (a sign-in of her own under way).
        tab = victim.new_page()
        tab.goto(stack.chat_urls[0])
        expect(tab).to_have_url(re.compile(re.escape(f"{stack.auth_url}/sign-in")))
        tab.goto(hand_off_link)
        expect(tab.get_by_text("started in another browser")).to_be_visible()
        assert not [c for c in victim.cookies() if c["name"] == "chat_session"]
        tab.goto(stack.chat_urls[0])
        expect(tab).to_have_url(re.compile(re.escape(f"{stack.auth_url}/sign-in")))

        # The attacker's own browser may still use it: the binding, not the code, decides.
        page.unroute("**/session/start*")
        page.goto(hand_off_link)
        wait_until_live(page)
    finally:
        attacker.close()
        victim.close()
