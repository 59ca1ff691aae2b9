"""The room page as a chat (issue 30): how much of the conversation fits on screen, one
control per message, no layout shift, tap targets, the phone drawer (issue 37, item 5),
radio buttons at their size (issue 37, item 13), and axe with the menus open."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.axe import ColorScheme, assert_no_blocking_violations, axe_context
from tests.e2e.journey import (
    LAPTOP,
    PHONE,
    Person,
    open_message_menu,
    open_room,
    open_two_accounts,
    post_many,
    send_message,
    shoot,
    wait_until_live,
    without_javascript,
)
from tests.support.stack import RunningStack

# Messages whose whole box is inside the log's visible box.
VISIBLE_MESSAGES_JS = """
() => {
  const log = document.getElementById("chat-log").getBoundingClientRect();
  return [...document.querySelectorAll("#chat-log li.message")].filter((message) => {
    const box = message.getBoundingClientRect();
    return box.height > 0 && box.top >= log.top - 1 && box.bottom <= log.bottom + 1;
  }).length;
}
"""

# The sum of layout shifts not caused by input, from navigation on (the buffered entries).
CLS_OBSERVER_JS = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""

# Every control a finger can reach on the page as it is (links inside message text are
# inline, which WCAG 2.5.8 exempts), with its size.
CONTROLS_JS = """
() => [...document.querySelectorAll(
  "a[href], button, summary, input:not([type=hidden]), textarea, select, [role=button]"
)].filter((control) => control.checkVisibility({visibilityProperty: true})
  && !control.closest(".message-body, .visually-hidden"))
 .map((control) => {
   const box = control.getBoundingClientRect();
   return {what: control.outerHTML.slice(0, 80), width: box.width, height: box.height};
 })
"""


@pytest.fixture(scope="module")
def conversation(browser: Browser, stack: RunningStack) -> Iterator[tuple[str, Person, Person]]:
    """A room of its own where two people wrote 24 one-line messages, alternating in runs of
    three (the issue's measure): its address and the two people."""
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        (ada, ada_person), (bob, bob_person) = open_two_accounts(
            stack, (ada_context, bob_context), ("Ada", "Bob")
        )
        ada.goto(f"{stack.chat_urls[0]}/rooms")
        ada.get_by_label("Room name").fill(f"Design review {uuid.uuid4().hex[:4]}")
        ada.get_by_role("button", name="Create the room").click()
        expect(ada).to_have_url(re.compile(r"/rooms/design-review-"))
        room = ada.url
        bob.goto(room)
        bob.get_by_role("button", name="Join this room").click()
        wait_until_live(bob)
        wait_until_live(ada)
        for run in range(4):
            post_many(ada, 3, f"Ada's line {run}")
            post_many(bob, 3, f"Bob's line {run}")
        expect(ada.locator("#messages li.message")).to_have_count(24)
        yield room, ada_person, bob_person
    finally:
        ada_context.close()
        bob_context.close()


@pytest.fixture
def ada_page(
    browser: Browser, stack: RunningStack, conversation: tuple[str, Person, Person]
) -> Iterator[tuple[BrowserContext, Page]]:
    room, ada_person, _ = conversation
    context = browser.new_context(viewport=LAPTOP)
    context.add_init_script(CLS_OBSERVER_JS)
    try:
        page = context.new_page()
        open_room(page, stack, ada_person, room)
        yield context, page
    finally:
        context.close()


def test_a_laptop_shows_18_one_line_messages_and_a_phone_12(
    ada_page: tuple[BrowserContext, Page], screenshots: Path
) -> None:
    _, page = ada_page
    expect(page.locator("#messages li.message.continued")).to_have_count(16)
    laptop = page.evaluate(VISIBLE_MESSAGES_JS)
    assert laptop >= 18, f"{laptop} messages visible at 1280x800"
    shoot(page, Path(screenshots), "22-room-laptop-long-conversation")
    page.set_viewport_size(PHONE)
    page.reload()
    wait_until_live(page)
    phone = page.evaluate(VISIBLE_MESSAGES_JS)
    assert phone >= 12, f"{phone} messages visible at 390x844"
    print(f"visible one-line messages: {laptop} at 1280x800, {phone} at 390x844")


def test_one_control_per_message_and_its_items_only_when_open(
    ada_page: tuple[BrowserContext, Page], screenshots: Path
) -> None:
    _, page = ada_page
    messages = page.locator("#messages")
    tree = messages.aria_snapshot()
    own = page.locator("#messages li.message.own-message").count()
    assert own == 12
    # What a screen reader walks: one "Message actions" per message (Reply is in every
    # one since issue 34), no Reply, Edit or Delete until it is opened.
    assert tree.count("Message actions") == page.locator("#messages li.message").count()
    assert "Reply" not in tree and "Edit" not in tree and "Delete" not in tree
    per_message = page.evaluate(
        """() => [...document.querySelectorAll("#messages li.message")].map((message) =>
          [...message.querySelectorAll("a[href], button, summary, input, textarea")]
            .filter((control) => control.checkVisibility()).length)"""
    )
    assert max(per_message) == 1

    newest_own = page.locator("#messages li.message.own-message").last
    open_message_menu(newest_own)
    expect(newest_own.get_by_role("link", name="Edit")).to_be_visible()
    expect(newest_own.get_by_role("link", name="Delete")).to_be_visible()
    shoot(page, Path(screenshots), "24-message-menu-open")
    page.keyboard.press("Escape")
    expect(newest_own.get_by_role("link", name="Edit")).to_be_hidden()
    expect(newest_own.locator("summary")).to_be_focused()


def test_no_layout_shift_on_load_nor_while_messages_arrive(
    ada_page: tuple[BrowserContext, Page],
    browser: Browser,
    stack: RunningStack,
    conversation: tuple[str, Person, Person],
) -> None:
    _, page = ada_page
    page.wait_for_timeout(2_000)  # the window: until 2 s after load
    room, _, bob_person = conversation
    bob_context = browser.new_context()
    try:
        bob = bob_context.new_page()
        open_room(bob, stack, bob_person, room)
        before = page.locator("#messages li.message").count()
        for n in range(5):
            send_message(bob, f"live line {n}")
        expect(page.locator("#messages li.message")).to_have_count(before + 5)
        page.wait_for_timeout(500)
        shift = page.evaluate("window.__cls")
        assert shift <= 0.02, f"cumulative layout shift {shift}"
        print(f"cumulative layout shift: {shift:.4f}")
    finally:
        bob_context.close()


def test_every_control_is_at_least_24_px_square_on_a_phone(
    ada_page: tuple[BrowserContext, Page],
) -> None:
    _, page = ada_page
    page.set_viewport_size(PHONE)
    page.reload()
    wait_until_live(page)
    page.locator("#messages li.message.own-message").last.hover()
    open_message_menu(page.locator("#messages li.message.own-message").last)
    controls = page.evaluate(CONTROLS_JS)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Rooms").click()
    expect(page.locator("#sidebar")).to_be_in_viewport()
    controls += page.evaluate(CONTROLS_JS)
    assert len(controls) > 20
    small = [c for c in controls if c["width"] < 24 or c["height"] < 24]
    assert small == [], small
    print(
        f"smallest of {len(controls)} controls: {min(c['width'] for c in controls):.0f} x "
        f"{min(c['height'] for c in controls):.0f} px"
    )


def test_on_a_phone_a_new_direct_message_and_its_badges_are_one_tap_away(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    # Issue 37, item 5: the sidebar was a 72 px strip that scrolled on its own.
    ada_context = browser.new_context(viewport=PHONE)
    grace_context = browser.new_context()
    try:
        (ada, ada_person), (grace, grace_person) = open_two_accounts(
            stack, (ada_context, grace_context), ("Ada", "Grace")
        )
        grace.goto(f"{stack.chat_urls[0]}/people")
        grace.locator("li", has_text=ada_person.name).get_by_role("button").click()
        wait_until_live(grace)
        send_message(grace, f"@{ada_person.name} a word in private?")
        send_message(grace, "About the launch.")

        ada.get_by_role("button", name="Rooms").click()
        entry = ada.locator(".sidebar-entry", has_text=grace_person.name)
        expect(entry).to_be_in_viewport(ratio=1)
        expect(entry.locator(".unread-count")).to_have_text(re.compile(r"^2\b"))
        expect(entry.locator(".unread-count")).to_be_in_viewport(ratio=1)
        shoot(ada, Path(screenshots), "23-phone-drawer-open")
        entry.get_by_role("link").click()
        expect(ada.locator("h1")).to_have_text(grace_person.name)
        expect(ada.locator("#sidebar")).not_to_be_in_viewport()
    finally:
        ada_context.close()
        grace_context.close()


def test_without_javascript_the_phone_rooms_button_is_the_page_of_rooms(
    browser: Browser, stack: RunningStack
) -> None:
    context = without_javascript(browser, stack, "Nia", PHONE)
    try:
        page = context.new_page()
        page.goto(f"{stack.chat_urls[0]}/rooms/general")
        page.get_by_role("link", name="Rooms").click()
        expect(page).to_have_url(re.compile(r"/rooms$"))
        expect(page.locator("#sidebar .sidebar-entry", has_text="general")).to_be_in_viewport()
        # Issue 37, item 13: the Open/Closed radios are radio-sized, not stretched.
        for radio in page.get_by_role("radio").all():
            box = radio.bounding_box()
            assert box is not None and box["width"] <= 24 and box["height"] <= 24, box
    finally:
        context.close()


SCHEMES: list[ColorScheme] = ["light", "dark"]


@pytest.mark.axe
@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_with_the_message_menu_the_account_menu_and_the_drawer_open(
    browser: Browser,
    stack: RunningStack,
    conversation: tuple[str, Person, Person],
    scheme: ColorScheme,
    screenshots: Path,
) -> None:
    room, ada_person, _ = conversation
    with axe_context(browser, scheme, viewport=LAPTOP) as context:
        page = context.new_page()
        open_room(page, stack, ada_person, room)
        own = page.locator("#messages li.message.own-message").last
        open_message_menu(own)
        expect(own.get_by_role("link", name="Delete")).to_be_visible()
        assert_no_blocking_violations(page, f"room, message menu open ({scheme})")
        if scheme == "dark":
            shoot(page, Path(screenshots), "25-dark-mode")
        page.keyboard.press("Escape")
        page.locator("details.account-menu > summary").click()
        expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        assert_no_blocking_violations(page, f"room, account menu open ({scheme})")
        page.keyboard.press("Escape")
        page.set_viewport_size(PHONE)
        page.get_by_role("button", name="Rooms").click()
        expect(page.locator("#sidebar")).to_be_in_viewport()
        assert_no_blocking_violations(page, f"room on a phone, drawer open ({scheme})")
