"""Rooms in a real Chromium: a direct conversation live, unread counts rising in the
sidebar and clearing on open, read positions across reloads and browsers, and the room
forms without JavaScript.

Everyone here uses the first chat replica: with the in-memory store (no ``MONGODB_URL``)
rooms and memberships live in that process; on MongoDB any replica serves them.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.journey import (
    Person,
    new_person,
    open_account,
    send_message,
    shoot,
    sign_in,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_a_direct_conversation_live_with_unread_counts_in_the_sidebar(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    ada_context, grace_context = browser.new_context(), browser.new_context()
    try:
        ada, grace = ada_context.new_page(), grace_context.new_page()
        # Unique names: the shared stack's people page lists every Ada of earlier tests.
        tag = uuid.uuid4().hex[:4]
        ada_person, grace_person = new_person(f"Ada-{tag}"), new_person(f"Grace-{tag}")
        open_account(ada, stack, ada_person)
        open_account(grace, stack, grace_person)
        expect(ada).to_have_url(f"{stack.chat_urls[0]}/rooms/general")
        send_message(ada, "Morning all: the launch review is at ten.")

        # Grace opens a conversation with Ada from the people page.
        grace.goto(f"{stack.chat_urls[0]}/people")
        grace.locator("li", has_text=ada_person.name).get_by_role("button").click()
        expect(grace).to_have_url(re.compile(r"/rooms/dm-[0-9a-f]+$"))
        wait_until_live(grace)
        expect(grace.locator("h1")).to_have_text(ada_person.name)

        # Ada looks at general: the new conversation appears in her sidebar, count rising.
        send_message(grace, "Hi Ada, a word in private?")
        grace_badge = ada.locator(".sidebar-entry", has_text=grace_person.name)
        expect(grace_badge.locator(".unread-count")).to_have_text(re.compile(r"^1\b"))
        expect(grace_badge).to_have_class(re.compile(r"has-unread"))
        send_message(grace, "It is about the launch.")
        expect(grace_badge.locator(".unread-count")).to_have_text(re.compile(r"^2\b"))
        shoot(ada, screenshots, "06-room-with-unread-sidebar")

        # Opening the conversation shows both messages under "new messages" and clears it.
        grace_badge.get_by_role("link").click()
        wait_until_live(ada)
        expect(ada.locator(".unread-divider")).to_have_count(1)
        expect(ada.get_by_text("It is about the launch.")).to_be_visible()
        expect(ada.locator(".sidebar-entry[data-room] a[aria-current=page]")).to_have_text(
            grace_person.name
        )

        # The two chat live in the direct room.
        send_message(ada, "Sure, go ahead.")
        expect(grace.get_by_text("Sure, go ahead.")).to_be_visible()
        send_message(grace, "Thanks!")
        expect(ada.get_by_text("Thanks!")).to_be_visible()
        shoot(ada, screenshots, "07-direct-conversation")

        # The read position survives a reload and a second browser.
        ada.goto(f"{stack.chat_urls[0]}/rooms/general")
        wait_until_live(ada)
        expect(ada.locator(".sidebar-entry", has_text=grace_person.name)).not_to_have_class(
            re.compile(r"has-unread")
        )
        other_browser = browser.new_context()
        try:
            second = other_browser.new_page()
            sign_in(second, stack, ada_person)
            wait_until_live(second)
            entry = second.locator(".sidebar-entry", has_text=grace_person.name)
            expect(entry).to_be_visible()
            expect(entry).not_to_have_class(re.compile(r"has-unread"))
            expect(entry.locator(".unread-count")).to_be_hidden()
        finally:
            other_browser.close()
    finally:
        ada_context.close()
        grace_context.close()


def _sign_in_without_javascript(page: Page, stack: RunningStack, person: Person) -> None:
    page.goto(f"{stack.auth_url}/sign-in")
    page.get_by_label("E-mail address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/rooms/general$"))


def test_rooms_without_javascript(browser: Browser, stack: RunningStack, screenshots: Path) -> None:
    setup = browser.new_context()
    no_js = browser.new_context(java_script_enabled=False)
    friend_context = browser.new_context(java_script_enabled=False)
    try:
        tag = uuid.uuid4().hex[:4]
        ada_person, bob_person = new_person(f"Ada-{tag}"), new_person(f"Bob-{tag}")
        open_account(setup.new_page(), stack, ada_person)
        open_account(setup.new_page(), stack, bob_person)
        page, bob = no_js.new_page(), friend_context.new_page()
        _sign_in_without_javascript(page, stack, ada_person)
        _sign_in_without_javascript(bob, stack, bob_person)

        # A bad name: the whole page again with the error, the input kept.
        page.get_by_role("link", name="All rooms").click()
        page.get_by_label("Room name").fill("General")
        page.get_by_role("button", name="Create the room").click()
        expect(page.get_by_text("There is already a room called “General”.")).to_be_visible()
        expect(page.get_by_label("Room name")).to_have_value("General")

        # A closed room: created (its address says nothing of it), written in, a member
        # added by the name the people page shows.
        page.get_by_label("Room name").fill("Launch <plans>")
        page.get_by_label("Closed: only the people its members add").check()
        page.get_by_role("button", name="Create the room").click()
        expect(page).to_have_url(re.compile(r"/rooms/c-[0-9a-f]+$"))
        room_url = page.url
        expect(page.locator("h1")).to_have_text("Launch <plans>")
        expect(page.locator(".room-title .room-kind")).to_have_text("closed")
        page.get_by_role("textbox", name="Message").fill("The plan, before Bob joins")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("The plan, before Bob joins")).to_be_visible()

        bob.goto(room_url)
        expect(bob.locator("h1")).to_have_text("Page not found")
        page.get_by_label("Add someone by name").fill(bob_person.name)
        page.get_by_role("button", name="Add to the room").click()
        expect(page).to_have_url(room_url)

        # Bob sees the room, with its history, and the count is right on each page load.
        bob.goto(f"{stack.chat_urls[0]}/rooms/general")
        expect(bob.locator(".sidebar-entry", has_text="Launch <plans>")).to_be_visible()
        page.get_by_role("textbox", name="Message").fill("Welcome, Bob")
        page.get_by_role("button", name="Send").click()
        bob.reload()
        entry = bob.locator(".sidebar-entry", has_text="Launch <plans>")
        expect(entry).to_have_class(re.compile(r"has-unread"))
        expect(entry.locator(".unread-count")).to_have_text(re.compile(r"^1\b"))
        entry.get_by_role("link").click()
        expect(bob.get_by_text("The plan, before Bob joins")).to_be_visible()
        expect(bob.get_by_text("Welcome, Bob")).to_be_visible()
        shoot(bob, screenshots, "08-closed-room-without-javascript")
        bob.goto(f"{stack.chat_urls[0]}/rooms/general")
        expect(bob.locator(".sidebar-entry", has_text="Launch <plans>")).not_to_have_class(
            re.compile(r"has-unread")
        )

        # Leaving: the room is gone for Bob, posting to it is 404.
        bob.goto(room_url)
        bob.get_by_role("button", name="Leave").click()
        expect(bob).to_have_url(re.compile(r"/rooms/general$"))
        expect(bob.locator(".sidebar-entry", has_text="Launch <plans>")).to_have_count(0)
        response = bob.goto(room_url)
        assert response is not None and response.status == 404

    finally:
        setup.close()
        no_js.close()
        friend_context.close()
