"""The seed's user scenario in a real Chromium, against the whole stack on free ports.

Numbers in the test names follow the scenario in the issue.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.journey import (
    bodies,
    htmx_settled,
    link_in,
    mark_page,
    message_ids,
    new_person,
    open_account,
    open_account_menu,
    page_was_not_reloaded,
    post_many,
    request_sign_up,
    send_message,
    set_password_from_email,
    shoot,
    sign_in,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_1_to_5_sign_up_verify_and_sign_in(
    context: BrowserContext, stack: RunningStack, screenshots: Path
) -> None:
    page = context.new_page()
    ada = new_person("Ada")

    # 1. Sign up: "check your inbox".
    page.goto(f"{stack.auth_url}/sign-up")
    shoot(page, screenshots, "01-sign-up")
    request_sign_up(page, stack, ada)

    # 2. The real e-mail's link leads to the set-password page.
    email = stack.wait_for_email(ada.email, "set your password")
    link = link_in(email, "/set-password")
    assert link.startswith(f"{stack.auth_url}/set-password?token=")

    # 3. A tampered token is refused with the 403 page.
    tampered = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    response = page.goto(tampered)
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("link", name="Sign up again to get a new link")).to_be_visible()

    # 4. Mismatched passwords: the error appears inline, without a reload.
    page.goto(link)
    mark_page(page)
    page.get_by_label("New password").fill(ada.password)
    page.get_by_label("Confirm password").fill(ada.password + " typo")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("The two passwords do not match.")).to_be_visible()
    assert page_was_not_reloaded(page)
    shoot(page, screenshots, "02-set-password-error")
    htmx_settled(page)
    page.get_by_label("New password").fill(ada.password)
    page.get_by_label("Confirm password").fill(ada.password)
    page.get_by_role("button", name="Create my account").click()
    # Choosing the password signs in (issue 37, item 11); signing out to try the sign-in.
    wait_until_live(page)
    open_account_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # 5. A wrong password: 401 inline; the right one lands on the chat page.
    mark_page(page)
    sign_in(page, stack, ada, password="not the password at all")
    expect(page.get_by_text("Wrong e-mail address or password.")).to_be_visible()
    assert page_was_not_reloaded(page)
    shoot(page, screenshots, "03-sign-in-error")
    sign_in(page, stack, ada)
    wait_until_live(page)
    assert page.url.startswith(stack.chat_urls[0])

    sent = [f"message {n} from Ada" for n in range(1, 13)]
    for text in sent:
        send_message(page, text)
    expect(page.locator("#messages .message-body").last).to_have_text(sent[-1])
    later = [f"later from Ada {n}" for n in range(20)]  # 32 in all: more than a page (30)
    post_many(page, len(later), "later from Ada")
    page.reload()
    expect(page.locator("#messages [data-message-id]")).to_have_count(30)
    assert bodies(page) == sent[-10:] + later
    ids = message_ids(page)
    assert ids == sorted(ids)
    expect(page.locator("#messages time[datetime]")).to_have_count(30)


def test_6_to_8_two_people_live_offline_and_sign_out(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    ada_context, grace_context = browser.new_context(), browser.new_context()
    try:
        ada, grace = ada_context.new_page(), grace_context.new_page()
        ada_person, grace_person = new_person("Ada"), new_person("Grace")
        open_account(ada, stack, ada_person)
        open_account(grace, stack, grace_person)
        # Grace uses the other replica (cookies are per host, so her session carries over).
        grace.goto(stack.chat_urls[1])
        wait_until_live(grace)
        expect(grace.locator("#live")).to_have_attribute("sse-connect", re.compile(r"after=\d+"))

        # 6. Each sees the other's message live, in the same order.
        mark_page(ada)
        mark_page(grace)
        send_message(ada, "Hello Grace, from replica one")
        expect(grace.get_by_text("Hello Grace, from replica one")).to_be_visible()
        send_message(grace, "Hello Ada, from replica two")
        expect(ada.get_by_text("Hello Ada, from replica two")).to_be_visible()
        expect(grace.get_by_text("Hello Ada, from replica two")).to_be_visible()
        assert page_was_not_reloaded(ada)
        assert page_was_not_reloaded(grace)
        assert message_ids(ada)[-2:] == message_ids(grace)[-2:]
        assert bodies(ada)[-2:] == bodies(grace)[-2:]
        shoot(ada, screenshots, "04-chat-two-people")

        # 7. Ada goes offline, Grace posts three, Ada comes back and has each exactly once.
        ada_context.set_offline(True)
        expect(ada.locator("#live-status")).to_contain_text("Offline")  # the stream is closed
        missed = [f"while you were away {n}" for n in range(1, 4)]
        for text in missed:
            send_message(grace, text)
        assert not any(text in bodies(ada) for text in missed)
        ada_context.set_offline(False)
        wait_until_live(ada)
        for text in missed:
            expect(ada.get_by_text(text, exact=True)).to_have_count(1)
        assert bodies(ada)[-3:] == missed
        assert message_ids(ada) == sorted(set(message_ids(ada)))

        # 8. Sign-out: the chat URL then sends to sign-in; the other tab's stream ends.
        second_tab = ada_context.new_page()
        second_tab.goto(stack.chat_urls[1])
        wait_until_live(second_tab)
        open_account_menu(ada)
        ada.get_by_role("button", name="Sign out", exact=True).click()
        expect(ada).to_have_url(f"{stack.auth_url}/sign-in?notice=signed-out")
        expect(second_tab).to_have_url(_sign_in_url(stack), timeout=10_000)
        ada.goto(stack.chat_urls[0])
        expect(ada).to_have_url(_sign_in_url(stack))
    finally:
        ada_context.close()
        grace_context.close()


def test_9_forgot_password(context: BrowserContext, stack: RunningStack, screenshots: Path) -> None:
    page = context.new_page()
    ada = new_person("Ada")
    open_account(page, stack, ada)
    open_account_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()

    page.goto(f"{stack.auth_url}/forgot-password")
    page.get_by_label("E-mail address").fill(ada.email)
    page.get_by_role("button", name="Send me a reset link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    email = stack.wait_for_email(ada.email, "reset your")
    html = stack.email_html(email["id"])
    assert "— The Chat team" in html  # non-ASCII text survives SMTP and the catcher intact
    page.goto("about:blank")  # not on our origin: our CSP would block the inline styles
    page.set_content(html)  # the HTML part, as a mail client shows it
    expect(page.get_by_role("link", name="Choose a new password")).to_be_visible()
    shoot(page, screenshots, "05-email-reset-link")

    new_password = ada.password + " renewed"
    page.goto(link_in(email, "/reset-password"))
    page.get_by_label("New password").fill(new_password)
    page.get_by_label("Confirm password").fill(new_password)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Your password was changed")).to_be_visible()

    sign_in(page, stack, ada)  # the old password
    expect(page.get_by_text("Wrong e-mail address or password.")).to_be_visible()
    sign_in(page, stack, ada, password=new_password)
    wait_until_live(page)
    stack.wait_for_email(ada.email, "password was changed")


def test_10_forms_work_without_javascript(browser: Browser, stack: RunningStack) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{stack.auth_url}/sign-up")
        page.get_by_label("E-mail address").fill("not an address")
        page.get_by_label("Display name").fill("Nobody")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Send me the link").click()
        response = navigation.value
        assert response is not None
        assert response.status == 422
        expect(page.get_by_role("heading", name="Sign up")).to_be_visible()  # a whole page
        expect(page.locator(".field-error")).not_to_have_count(0)

        person = new_person("Lin")
        request_sign_up(page, stack, person)
        set_password_from_email(page, stack, person)  # signed in, on general
        open_account_menu(page)  # a <details>: it opens without JavaScript too
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page).to_have_url(_sign_in_url(stack))
        with page.expect_navigation() as navigation:
            sign_in(page, stack, person, password="wrong password, no script")
        response = navigation.value
        assert response is not None
        assert response.status == 401
        expect(page.get_by_text("Wrong e-mail address or password.")).to_be_visible()
        sign_in(page, stack, person)
        expect(page.get_by_role("button", name="Send")).to_be_visible()
        page.get_by_role("textbox", name="Message").fill("sent without JavaScript")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("sent without JavaScript")).to_be_visible()
    finally:
        context.close()


def _sign_in_url(stack: RunningStack) -> re.Pattern[str]:
    return re.compile(re.escape(f"{stack.auth_url}/sign-in") + r".*")
