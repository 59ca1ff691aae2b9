"""Leaving a room in a real Chromium (issue 37, item 2): a confirmation that says what
leaving means, then general, never "Page not found" nor the room in "looking in" mode, and
the unsent draft kept for a return."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Dialog, Page, expect

from tests.e2e.journey import new_person, open_account, wait_until_live
from tests.support.stack import RunningStack


def create_room(page: Page, name: str, closed: bool) -> None:
    page.get_by_role("link", name="All rooms").click()
    page.get_by_label("Room name").fill(name)
    if closed:
        page.get_by_label("Closed: only the people its members add").check()
    page.get_by_role("button", name="Create the room").click()
    wait_until_live(page)


def leave_answering(page: Page, accept: bool) -> str:
    """Click Leave, answer the confirmation; what it asked."""
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("button", name="Leave").click()
    assert asked, "Leave asked nothing"
    return asked[0]


def test_leaving_asks_first_then_lands_in_general_with_the_draft_kept(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        tag = uuid.uuid4().hex[:4]
        open_account(page, stack, new_person(f"Lea-{tag}"))
        expect(page.locator("#no-live-notice")).to_have_count(0)  # live here (item 20)

        # A closed room: leaving is for good unless someone adds you back.
        create_room(page, f"Secret {tag}", closed=True)
        closed_url = page.url
        question = leave_answering(page, accept=False)
        assert "You'll need to be added again to come back" in question
        expect(page).to_have_url(closed_url)  # cancelled: still here, still a member
        leave_answering(page, accept=True)
        expect(page).to_have_url(re.compile(r"/rooms/general$"))
        expect(page.locator("h1")).to_have_text("general")
        expect(page.locator(".sidebar-entry", has_text=f"Secret {tag}")).to_have_count(0)

        # An open room: the draft waits for the person's return.
        create_room(page, f"Open {tag}", closed=False)
        open_url = page.url
        page.get_by_role("textbox", name="Message").fill("half a thought")
        question = leave_answering(page, accept=True)
        assert "join again" in question and "draft" in question
        expect(page).to_have_url(re.compile(r"/rooms/general$"))
        expect(page.locator("h1")).to_have_text("general")
        wait_until_live(page)
        page.goto(open_url)
        page.get_by_role("button", name="Join this room").click()
        expect(page.get_by_role("textbox", name="Message")).to_have_value("half a thought")
    finally:
        context.close()
