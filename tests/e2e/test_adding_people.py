"""Adding people to a closed room in a real browser (issue 37, items 8 and 9): the
suggestion list the mentions use, by keyboard alone, chooses exactly one of two people with
one name, and the log shows "Ada added …" live."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.journey import new_person, open_account
from tests.e2e.test_leaving_rooms import create_room
from tests.e2e.test_mentions import sign_up_namesakes, unique_word
from tests.support.stack import RunningStack


def test_picking_one_of_two_people_with_one_name_adds_only_that_one(
    browser: Browser, stack: RunningStack
) -> None:
    name, ada_person = sign_up_namesakes(browser, stack), new_person("Ada")
    ada_context = browser.new_context()
    try:
        ada = ada_context.new_page()
        open_account(ada, stack, ada_person)
        create_room(ada, f"{unique_word()} plans", closed=True)
        field = ada.get_by_label("Add someone by name")
        field.press_sequentially(name[:5].lower(), delay=30)
        options = ada.get_by_role("listbox", name="People to add").get_by_role("option")
        expect(options).to_have_count(2)
        expect(field).to_have_attribute("aria-expanded", "true")
        chosen_tag = (options.nth(1).locator(".author-handle").text_content() or "").strip()
        field.press("ArrowDown")
        field.press("Enter")
        expect(field).to_have_value(f"{name}~{chosen_tag}")
        field.press("Enter")
        expect(ada.locator("#member-form [role=status]")).to_have_text(
            f"{name} can now read and write here."
        )
        # The log says so at once (issue 37, item 8): the line arrives live, no reload.
        expect(ada.locator("#messages .member-line")).to_contain_text(f"Ada added {name}")
        # Dated like a message once the scripts ran: on the local clock, under its day's
        # separator (it used to move the separator below a line that opened the log, a
        # layout shift on load: tests/e2e/test_room_design.py).
        ada.reload()
        line = ada.locator("#messages .member-line")
        expect(line.locator("time")).to_have_attribute("data-localised", "yes")
        expect(ada.locator("#messages > li").first).to_have_class("day-separator")
        expect(ada.locator("#messages > li").nth(1)).to_have_class("member-line")
        ada.get_by_role("link", name="Members").first.click()
        expect(ada.get_by_role("heading", name="2 members")).to_be_visible()
    finally:
        ada_context.close()
