"""@mentions in real browsers: the suggestion list by keyboard alone, the highlight live in
the mentioned person's browser (readable in light and dark), and the sidebar's live
mention count that reading the room clears."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.contrast import CONTRAST_JS
from tests.e2e.journey import new_person, open_account, send_message, shoot, wait_until_live
from tests.support.stack import RunningStack

# Highlighted for the viewer (whatever else the message is: grouped, their own).
MENTIONS_YOU = re.compile(r"(^|\s)mentions-you(\s|$)")


def unique_word() -> str:
    """Names on the shared stack must not match earlier tests' people."""
    return "".join(random.choices(string.ascii_lowercase, k=8)).capitalize()


def sign_up_namesakes(browser: Browser, stack: RunningStack) -> str:
    """Two people who share a new name, each signed up once: that name."""
    name = f"{unique_word()} Twin"
    for twin in (new_person("Twin"), new_person("Twin")):
        twin.name = name
        with browser.new_context() as twin_context:
            open_account(twin_context.new_page(), stack, twin)
    return name


def selected_option(page: Page) -> str | None:
    return page.locator("#message-form textarea").get_attribute("aria-activedescendant")


def test_suggestions_by_keyboard_and_the_highlight_live_in_a_second_browser(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    family = unique_word()
    ann_person, bob_person, cy_person = (new_person(n) for n in ("Ann", "Bob", "Cy"))
    for person in (ann_person, bob_person, cy_person):
        person.name = f"{family} {person.name}"
    ann_context, bob_context = browser.new_context(), browser.new_context()
    try:
        with browser.new_context() as cy_context:  # a third member, to move between two
            open_account(cy_context.new_page(), stack, cy_person)
        ann, bob = ann_context.new_page(), bob_context.new_page()
        open_account(ann, stack, ann_person)
        open_account(bob, stack, bob_person)

        # Ann waits in another room: general's mentions are counted in her sidebar.
        ann.get_by_role("link", name="All rooms").click()
        ann.get_by_label("Room name").fill(f"{family} corner")
        ann.get_by_role("button", name="Create the room").click()
        wait_until_live(ann)
        general = ann.locator('.sidebar-entry[data-room="general"]')
        mention_count = general.locator(".mention-count")
        expect(mention_count).to_be_hidden()

        # Bob types "@" and the start of the family name: Ann and Cy, never Bob himself.
        # The box is a text box, and a combobox while its list is open.
        box = bob.locator("#message-form textarea")
        expect(bob.get_by_role("textbox", name="Message")).to_be_visible()
        box.press_sequentially(f"Hi @{family[:4].lower()}", delay=30)
        suggestions = bob.get_by_role("listbox", name="People to mention")
        expect(suggestions).to_be_visible()
        options = suggestions.get_by_role("option")
        expect(options).to_have_count(2)
        expect(options.nth(0)).to_contain_text(ann_person.name)
        expect(options.nth(1)).to_contain_text(cy_person.name)
        shoot(bob, screenshots, "13-mention-suggestions")
        combobox = bob.get_by_role("combobox", name="Message")
        expect(combobox).to_have_attribute("aria-expanded", "true")
        first_id, second_id = options.nth(0).get_attribute("id"), options.nth(1).get_attribute("id")
        assert selected_option(bob) == first_id
        combobox.press("ArrowDown")
        assert selected_option(bob) == second_id
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        combobox.press("ArrowDown")  # wraps around
        combobox.press("ArrowUp")
        combobox.press("ArrowUp")
        assert selected_option(bob) == first_id
        # Enter picks the name (and sends nothing while the list is open).
        combobox.press("Enter")
        expect(suggestions).to_be_hidden()
        expect(box).to_have_value(f"Hi @{ann_person.name} ")
        expect(box).not_to_have_attribute("aria-expanded", "true")
        expect(bob.locator("#messages li.message", has_text="Hi @")).to_have_count(0)

        # Escape closes a list without touching the text; Enter then sends.
        box.press_sequentially(f"and @{family[:3].lower()}", delay=30)
        expect(suggestions).to_be_visible()
        box.press("Escape")
        expect(suggestions).to_be_hidden()
        expect(box).to_have_value(f"Hi @{ann_person.name} and @{family[:3].lower()}")
        box.press("Backspace")
        box.press_sequentially(f"{family[2:].lower()} c", delay=30)
        expect(options).to_have_count(1)
        box.press("Tab")  # Tab picks too
        expect(box).to_have_value(f"Hi @{ann_person.name} and @{cy_person.name} ")
        box.press("Enter")
        expect(box).to_have_value("")

        # Ann's sidebar counts the mention live, with a label that says what it is.
        expect(mention_count).to_be_visible()
        expect(mention_count.locator('[aria-hidden="true"]')).to_have_text("@1")
        expect(mention_count.locator(".visually-hidden")).to_have_text("1 mention")
        send_message(bob, "no mention in this one")
        expect(general.locator(".unread-count")).to_contain_text("2")
        expect(mention_count.locator('[aria-hidden="true"]')).to_have_text("@1")

        # In general the message mentioning Ann is highlighted for her, not for Bob.
        general.get_by_role("link").click()
        wait_until_live(ann)
        mine = ann.locator("#messages li.message", has_text="Hi @")
        expect(mine).to_have_class(MENTIONS_YOU)
        expect(mine.locator(".mention-marker")).to_be_visible()
        bobs = bob.locator("#messages li.message", has_text="Hi @")
        expect(bobs).not_to_have_class(MENTIONS_YOU)
        expect(bobs.locator(".mention-marker")).to_be_hidden()

        # Live: Bob mentions Ann again while she has general open.
        send_message(bob, f"@{ann_person.name.lower()} one more thing")
        live = ann.locator("#messages li.message", has_text="one more thing")
        expect(live).to_have_class(MENTIONS_YOU)
        for scheme in ("light", "dark"):
            ann.emulate_media(color_scheme=scheme)
            for element in (live.locator(".message-body"), live.locator(".mention-marker")):
                assert element.evaluate(CONTRAST_JS) >= 4.5, scheme
        ann.emulate_media(color_scheme="light")
        shoot(ann, screenshots, "12-mention-highlighted")

        # Back in her room: general was read, so no mention count is left.
        ann.locator(".sidebar-entry a", has_text=f"{family} corner").click()
        wait_until_live(ann)
        expect(ann.locator('.sidebar-entry[data-room="general"] .mention-count')).to_be_hidden()
    finally:
        ann_context.close()
        bob_context.close()


def test_picking_one_of_two_people_with_one_name_mentions_only_that_one(
    browser: Browser, stack: RunningStack
) -> None:
    """Issue 37, item 14: the list's choice is written with the account tag, shown without."""
    name, bob_person = sign_up_namesakes(browser, stack), new_person("Bob")
    bob_context = browser.new_context()
    try:
        bob = bob_context.new_page()
        open_account(bob, stack, bob_person)
        box = bob.locator("#message-form textarea")
        box.press_sequentially(f"Thanks @{name[:5].lower()}", delay=30)
        options = bob.get_by_role("listbox", name="People to mention").get_by_role("option")
        expect(options).to_have_count(2)
        chosen_tag = (options.nth(1).locator(".author-handle").text_content() or "").strip()
        box.press("ArrowDown")
        box.press("Enter")
        expect(box).to_have_value(f"Thanks @{name}~{chosen_tag} ")
        box.press("Enter")
        sent = bob.locator("#messages .message", has_text=f"Thanks @{name}").last
        expect(sent.locator(".message-body")).to_have_text(f"Thanks @{name}")
        mentioned = (sent.get_attribute("data-mentions") or "").split()
        assert len(mentioned) == 1, mentioned
    finally:
        bob_context.close()
