"""The chat page as a person uses it (issue 17): the composer always in reach, sends that
never vanish nor double, keyboard-only use, right-to-left text."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from tests.e2e.journey import (
    LAPTOP,
    PHONE,
    bodies,
    mark_page,
    new_person,
    open_account,
    open_account_menu,
    page_was_not_reloaded,
    post_many,
    send_message,
    shoot,
    sign_in,
    wait_until_live,
    without_javascript,
)
from tests.support.stack import RunningStack

WIDE: ViewportSize = {"width": 1440, "height": 900}
# 1280x800 at 200% zoom lays out like a 640x400 window.
LAPTOP_ZOOMED: ViewportSize = {"width": 640, "height": 400}


def send_button_in_viewport(page: Page) -> None:
    button = page.locator("#message-form").get_by_role("button", name="Send")
    expect(button).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("textbox", name="Message")).to_be_in_viewport()


def test_the_send_button_is_on_screen_at_phone_and_laptop_sizes(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Noa"))
        for size in (LAPTOP, WIDE, LAPTOP_ZOOMED):
            page.set_viewport_size(size)
            send_button_in_viewport(page)

        post_many(page, 50, f"filler {uuid.uuid4().hex[:6]}")
        for size in (PHONE, LAPTOP, LAPTOP_ZOOMED):
            page.set_viewport_size(size)
            page.reload()
            expect(page.locator("#live-status")).to_have_text("Live")
            send_button_in_viewport(page)
            send_message(page, "still in reach")
            expect(page.locator("#messages .message-body").last).to_have_text("still in reach")
            expect(page.locator("#messages .message").last).to_be_in_viewport()
            send_button_in_viewport(page)
        shoot(page, screenshots, "11-chat-laptop-at-200-percent")
        page.set_viewport_size(LAPTOP)
        shoot(page, screenshots, "09-chat-laptop")
        page.set_viewport_size(PHONE)
        shoot(page, screenshots, "10-chat-phone")
    finally:
        context.close()


def test_a_message_sent_offline_is_kept_retried_and_stored_once(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Omid"))
        text = f"written offline {uuid.uuid4().hex[:6]}"
        context.set_offline(True)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "offline")
        box = page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")
        status = page.locator("#send-status")
        expect(status).to_contain_text("Not sent")
        expect(status.get_by_role("button", name="Retry")).to_be_visible()
        expect(box).to_have_value(text)

        context.set_offline(False)  # the stream comes back live, the send is retried
        expect(page.locator("#messages .message-body").last).to_have_text(text)
        expect(box).to_have_value("")
        page.reload()
        expect(page.locator("#live-status")).to_have_text("Live")
        assert bodies(page).count(text) == 1
    finally:
        context.close()


def test_a_send_whose_answer_is_lost_is_retried_without_a_duplicate(
    browser: Browser, stack: RunningStack
) -> None:
    """The server stores the message but the answer never arrives: Retry sends the same
    draft key, and the server answers without storing it again."""
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Lior"))
        text = f"answer lost {uuid.uuid4().hex[:6]}"
        lost: list[str] = []

        def lose_the_answer(route: Route) -> None:
            if lost:
                route.continue_()
                return
            route.fetch()  # the server stores it...
            lost.append(route.request.url)
            route.abort("connectionreset")  # ...and the page never hears back

        page.route("**/rooms/*/messages", lose_the_answer)
        box = page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")
        status = page.locator("#send-status")
        expect(status).to_contain_text("Not sent")
        expect(box).to_have_value(text)
        status.get_by_role("button", name="Retry").click()
        expect(box).to_have_value("")
        expect(page.locator("#messages .message-body").last).to_have_text(text)
        page.reload()
        expect(page.locator("#live-status")).to_have_text("Live")
        assert bodies(page).count(text) == 1
    finally:
        context.close()


def test_keyboard_only_sending_and_loading_older_messages(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Kai"))
        post_many(page, 32, f"older {uuid.uuid4().hex[:6]}")  # more than a page (30)
        page.reload()
        expect(page.locator("#live-status")).to_have_text("Live")

        # The box has the focus on arrival: type and press Enter.
        text = f"typed only {uuid.uuid4().hex[:6]}"
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        expect(page.locator("#messages .message-body").last).to_have_text(text)
        expect(page.get_by_role("textbox", name="Message")).to_be_focused()

        older = page.get_by_role("link", name="Load older messages")
        for _ in range(40):
            if older.evaluate("(link) => link === document.activeElement"):
                break
            page.keyboard.press("Shift+Tab")
        expect(older).to_be_focused()
        page.keyboard.press("Enter")
        announcer = page.locator("#chat-announcer")
        expect(announcer).to_have_text(re.compile(r"^\d+ older messages? loaded\."))
        loaded = page.locator("#older-messages li.message").count()
        assert loaded >= 2
        expect(announcer).to_contain_text(f"{loaded} older message")
        # The control is replaced; the focus moves to its successor, not to the page top.
        successor = page.locator("#older-control a, #older-control .conversation-start")
        expect(successor).to_be_focused()
    finally:
        context.close()


@pytest.mark.parametrize("text", ["שלום, world 2026!", "مرحبا بالجميع"])
def test_a_right_to_left_message_is_laid_out_right_to_left(
    browser: Browser, stack: RunningStack, text: str
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Dana"))
        send_message(page, text)
        body = page.locator("#messages .message-body").last
        expect(body).to_have_text(text)
        expect(body).to_have_attribute("dir", "auto")
        assert body.evaluate("(element) => element.matches(':dir(rtl)')")
        expect(page.locator("#messages .message").last).to_have_class("message own-message")
    finally:
        context.close()


def test_a_slow_send_says_sending_then_still_trying(browser: Browser, stack: RunningStack) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Sami"))
        held: list[Route] = []
        page.route("**/rooms/*/messages", lambda route: held.append(route))
        text = f"slow {uuid.uuid4().hex[:6]}"
        box = page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")
        button = page.locator("#message-form button[type=submit]")
        expect(button).to_have_text("Sending…")
        expect(button).to_be_disabled()
        expect(page.locator("#send-status")).to_have_text("Still trying…")
        box.press("Enter")  # a second Enter while one is in flight sends nothing more
        assert len(held) == 1
        held[0].continue_()
        expect(page.locator("#messages .message-body").last).to_have_text(text)
        expect(page.locator("#message-form button[type=submit]")).to_have_text("Send")
    finally:
        context.close()


def test_a_send_that_succeeded_never_says_still_trying_afterwards(
    context: BrowserContext, stack: RunningStack
) -> None:
    # Issue 37, item 1: the "Still trying…" clock started with the send outlived it (it was
    # stopped for the swapped-out form only) and showed 4 s after every successful send.
    page = context.new_page()
    open_account(page, stack, new_person("Tove"))
    text = f"quick {uuid.uuid4().hex[:6]}"
    send_message(page, text)
    expect(page.locator("#messages .message-body").last).to_have_text(text)
    page.wait_for_timeout(5_000)  # past the 4 s after which a send in flight is "slow"
    expect(page.locator("#send-status")).to_have_text("")
    expect(page.locator("#message-form button[type=submit]")).to_have_text("Send")


def test_without_javascript_the_page_says_only_what_is_true_and_lands_on_the_new_message(
    browser: Browser, stack: RunningStack
) -> None:
    context = without_javascript(browser, stack, "Nils", LAPTOP)
    try:
        page = context.new_page()
        page.goto(f"{stack.chat_urls[0]}/rooms/general")
        # Issue 37, item 20: a hint that reads well, and a word that nothing updates here.
        expect(page.locator("#body-hint")).to_have_text("Press Send to post your message.")
        expect(page.get_by_text("This page does not update by itself")).to_be_visible()
        expect(page.locator("#live-status")).to_be_hidden()
        page.get_by_role("textbox", name="Message").fill("no script here")
        page.get_by_role("button", name="Send").click()
        expect(page).to_have_url(re.compile(r"/rooms/general#message-\d+$"))
        newest = page.locator("#messages .message").last
        expect(newest.locator(".message-body")).to_have_text("no script here")
        expect(newest).to_be_in_viewport()
    finally:
        context.close()


def test_a_draft_survives_a_sign_out_elsewhere_and_the_page_says_why(
    browser: Browser, stack: RunningStack
) -> None:
    person = new_person("Tova")
    first = browser.new_context(viewport=LAPTOP)
    other = browser.new_context(viewport=LAPTOP)
    try:
        page = first.new_page()
        open_account(page, stack, person)
        draft = f"half-written {uuid.uuid4().hex[:6]}"
        page.get_by_role("textbox", name="Message").fill(draft)
        expect(page.locator("#char-count")).to_be_hidden()  # far from the limit

        elsewhere = other.new_page()
        sign_in(elsewhere, stack, person)
        wait_until_live(elsewhere)
        elsewhere.once("dialog", lambda dialog: dialog.accept())  # "Sign out on every device?"
        open_account_menu(elsewhere)
        elsewhere.get_by_role("button", name="Sign out on every device").click()

        expect(page).to_have_url(re.compile(r"/sign-in"))
        expect(page.get_by_text("You were signed out from another device")).to_be_visible()
        sign_in(page, stack, person)
        wait_until_live(page)
        expect(page.get_by_role("textbox", name="Message")).to_have_value(draft)
        expect(page.locator("#send-status")).to_contain_text("You were signed out")
    finally:
        first.close()
        other.close()


def test_a_silent_stream_is_reported_and_clears_at_the_next_heartbeat(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        context.clock.install()  # time runs as usual until the test moves it on
        page = context.new_page()
        open_account(page, stack, new_person("Sela"))
        page.clock.fast_forward("00:45")  # three heartbeat intervals without a word
        status = page.locator("#live-status")
        expect(status).to_have_attribute("data-state", "silent")
        expect(status).to_contain_text("No news from the server")
        # The real server's next heartbeat (every 15 s) brings it back.
        expect(status).to_have_text("Live", timeout=20_000)
    finally:
        context.close()


# Types the next message and presses Enter the moment the fresh form is in the page (a 0 ms
# timer after htmx's swap), as a quick typist or a test does.
ENTER_RIGHT_AFTER_SWAP_JS = """
(text) => {
  document.addEventListener("htmx:afterSwap", function once(event) {
    if (!event.detail.elt || event.detail.elt.id !== "message-form") return;
    document.removeEventListener("htmx:afterSwap", once);
    setTimeout(() => {
      const box = document.querySelector("#message-form textarea");
      box.value = text;
      const enter = {key: "Enter", bubbles: true, cancelable: true};
      box.dispatchEvent(new KeyboardEvent("keydown", enter));
    }, 0);
  });
}
"""


def test_enter_pressed_just_after_a_send_sends_the_next_message(
    browser: Browser, stack: RunningStack
) -> None:
    # With htmx's default 20 ms settle the fresh form was not yet wired to htmx for 20 ms:
    # this Enter became a full-page post (the page reloaded) instead of an HTMX send.
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Quinn"))
        first, second = (f"{word} {uuid.uuid4().hex[:6]}" for word in ("first", "second"))
        page.evaluate(ENTER_RIGHT_AFTER_SWAP_JS, second)
        mark_page(page)
        send_message(page, first)
        expect(page.locator("#messages .message-body").last).to_have_text(second)
        expect(page.get_by_role("textbox", name="Message")).to_have_value("")
        assert bodies(page)[-2:] == [first, second]
        assert page_was_not_reloaded(page)
    finally:
        context.close()


def test_a_busy_answer_is_retried_once_and_sends_the_message_once(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Rio"))
        refused: list[str] = []

        def busy_once(route: Route) -> None:
            if refused:
                route.continue_()
                return
            refused.append(route.request.url)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")

        page.route("**/rooms/*/messages", busy_once)
        text = f"busy {uuid.uuid4().hex[:6]}"
        box = page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")
        expect(page.locator("#send-status")).to_have_text("Busy, retrying…")
        expect(page.locator("#messages .message-body").last).to_have_text(text)
        expect(page.get_by_text(text, exact=True)).to_have_count(1)
        assert len(refused) == 1
    finally:
        context.close()
