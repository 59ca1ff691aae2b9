"""Issue 33 in Chromium: the tab's title and favicon, desktop notifications while the tab is
hidden (after the opt-in click; the permission is granted by the test and Notification is
wrapped to observe it), the manifest, and a service worker that never answers from a cache."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pymongo import MongoClient

from tests.e2e.journey import (
    new_person,
    open_account,
    open_account_menu,
    send_message,
    wait_until_live,
)
from tests.support.stack import RunningStack

RECORD_NOTICES = """
window.__notices = [];
const Original = window.Notification;
class Recorded extends Original {
  constructor(title, options) {
    super(title, options);
    window.__notices.push({ title, body: options?.body ?? "" });
  }
}
window.Notification = Recorded;
"""


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        """(hidden) => {
          Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
          Object.defineProperty(document, "visibilityState", {
            configurable: true, get: () => (hidden ? "hidden" : "visible") });
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def create_room(page: Page, name: str) -> None:
    page.get_by_role("link", name="All rooms").click()
    page.get_by_label("Room name").fill(name)
    page.get_by_role("button", name="Create the room").click()
    wait_until_live(page)


def save_level(settings: Page, room: str, level: str) -> None:
    """On /settings/notifications, the room's own form."""
    settings.get_by_label(room).select_option(level)
    settings.locator("li", has=settings.get_by_label(room)).get_by_role(
        "button", name="Save"
    ).click()


def notices(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.evaluate("window.__notices")
    return found


def test_a_hidden_tab_counts_in_its_title_and_notifies_after_the_opt_in(
    browser: Browser, stack: RunningStack
) -> None:
    origin = stack.chat_urls[0]
    ada_context = browser.new_context()
    bob_context = browser.new_context()
    ada_context.grant_permissions(["notifications"], origin=origin)
    ada_context.add_init_script(RECORD_NOTICES)
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        tag = uuid.uuid4().hex[:4]
        ada_person = new_person(f"Ada-{tag}")
        open_account(ada, stack, ada_person)
        open_account(bob, stack, new_person(f"Bob-{tag}"))
        create_room(bob, f"Side {tag}")
        side_url = bob.url
        bob.get_by_role("link", name="general").click()
        wait_until_live(bob)
        ada.goto(side_url)
        ada.get_by_role("button", name="Join this room").click()
        wait_until_live(ada)
        expect(ada).to_have_title(f"Side {tag} · Chat")

        ada.locator("details.level-menu > summary").click()
        ada.get_by_role("button", name="Turn on notifications on this device").click()
        expect(
            ada.get_by_role("button", name="Turn off notifications on this device")
        ).to_be_attached()
        set_hidden(ada, True)
        send_message(bob, f"@{ada_person.name} a question for you")
        expect(ada).to_have_title(f"(1) Side {tag} · Chat")
        expect(ada.locator('link[rel="icon"]')).to_have_attribute("href", re.compile("favicon-dot"))
        ada.wait_for_function(
            # A function, not an expression: Playwright evaluates a bare expression with eval,
            # which the page's CSP refuses once the wait has to poll.
            "() => window.__notices.some(n => n.title === 'You were mentioned in general')"
        )

        bob.goto(side_url)
        wait_until_live(bob)
        send_message(bob, "news here")
        expect(ada).to_have_title(f"(2) Side {tag} · Chat")  # the open room, unseen
        set_hidden(ada, False)
        expect(ada).to_have_title(f"(1) Side {tag} · Chat")
        # "news here" was not for Ada by the room's level (mentions only, the default).
        assert [n["title"] for n in notices(ada)] == ["You were mentioned in general"]
        ada.get_by_role("link", name="general").click()
        wait_until_live(ada)
        expect(ada).to_have_title("general · Chat")  # read: the count and the dot clear
        expect(ada.locator('link[rel="icon"]')).not_to_have_attribute("href", re.compile("dot"))

        # Turned up on the settings page in another tab: this tab follows without a reload.
        settings = ada_context.new_page()
        settings.goto(f"{origin}/settings/notifications")
        save_level(settings, f"Side {tag}", "everything")
        expect(ada.locator('.sidebar-entry[data-level="everything"]')).to_be_attached()
        set_hidden(ada, True)
        send_message(bob, "more news")
        ada.wait_for_function(
            f"() => window.__notices.some(n => n.title === 'New message in Side {tag}')"
        )
    finally:
        ada_context.close()
        bob_context.close()


def test_the_title_leaves_out_rooms_at_nothing_and_the_bell_marks_the_level_live(
    browser: Browser, stack: RunningStack
) -> None:
    ada_context, bob_context = browser.new_context(), browser.new_context()
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        tag = uuid.uuid4().hex[:4]
        quiet = f"Quiet {tag}"
        open_account(ada, stack, new_person(f"Ada-{tag}"))
        open_account(bob, stack, new_person(f"Bob-{tag}"))
        create_room(bob, quiet)
        quiet_url = bob.url
        ada.goto(quiet_url)
        ada.get_by_role("button", name="Join this room").click()
        wait_until_live(ada)
        levels = ada.locator('.level-menu button[name="level"]')
        expect(levels.and_(ada.locator('[aria-current="true"]'))).to_have_text("Mentions only")
        ada.locator("details.level-menu > summary").click()
        ada.get_by_role("button", name="Nothing").click()
        wait_until_live(ada)
        expect(levels.and_(ada.locator('[aria-current="true"]'))).to_have_text("Nothing")

        ada.get_by_role("link", name="general").click()
        wait_until_live(ada)
        send_message(bob, "nobody is listening")
        quiet_entry = ada.locator(".sidebar-entry", has_text=quiet)
        expect(quiet_entry.locator(".unread-count")).to_be_visible()  # unread, yet muted
        expect(ada).to_have_title("general · Chat")

        # Another tab of hers turns the room up: this one counts it at once.
        settings = ada_context.new_page()
        settings.goto(f"{stack.chat_urls[0]}/settings/notifications")
        save_level(settings, quiet, "everything")
        expect(ada).to_have_title("(1) general · Chat")

        ada.goto(quiet_url)
        wait_until_live(ada)
        save_level(settings, quiet, "nothing")
        # Her open tab's sidebar is redrawn; its bell menu, opened next, marks the new level.
        expect(ada.locator('.sidebar-entry[data-level="nothing"]', has_text=quiet)).to_be_attached()
        ada.locator("details.level-menu > summary").click()
        expect(levels.and_(ada.locator('[aria-current="true"]'))).to_have_text("Nothing")
    finally:
        ada_context.close()
        bob_context.close()


def test_the_app_installs_and_its_worker_never_answers_from_a_cache(
    browser: Browser, stack: RunningStack
) -> None:
    origin = stack.chat_urls[0]
    context = browser.new_context()
    try:
        page = context.new_page()
        open_account(page, stack, new_person(f"Cy-{uuid.uuid4().hex[:4]}"))
        room_url = page.url
        manifest = page.request.get(f"{origin}/manifest.webmanifest").json()
        assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
        assert manifest["name"] and manifest["theme_color"] and manifest["background_color"]
        sizes = set()
        for icon in manifest["icons"]:
            response = page.request.get(f"{origin}{icon['src']}")
            assert response.ok and response.headers["content-type"] == "image/png"
            width, height = Image.open(io.BytesIO(response.body())).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        assert {192, 512} <= sizes
        assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
        assert page.locator('meta[name="theme-color"]').count() == 2  # light and dark

        page.evaluate("navigator.serviceWorker.register('/service-worker.js')")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        wait_until_live(page)
        assert page.evaluate("Boolean(navigator.serviceWorker.controller)")  # it is in charge
        assert page.evaluate("caches.keys()") == []

        open_account_menu(page)
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.goto(room_url)  # through the worker: the network answers, so no room
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert page.locator("#messages").count() == 0
        assert page.evaluate("caches.keys()") == []
    finally:
        context.close()


def test_the_tab_title_follows_a_room_renamed_while_it_is_open(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context()
    try:
        page, settings = context.new_page(), context.new_page()
        tag = uuid.uuid4().hex[:4]
        person = new_person(f"Ren-{tag}")
        open_account(page, stack, person)
        create_room(page, f"Old {tag}")
        expect(page).to_have_title(f"Old {tag} · Chat")
        # An administrator of chat's (the role chat keeps, as auth's role change sets it).
        client: MongoClient[dict[str, Any]] = MongoClient(stack.topology.env["MONGODB_URL"])
        with client:
            client["chat_app_chat"]["users"].update_one(
                {"email": person.email}, {"$set": {"role": "admin"}}
            )
        settings.goto(f"{stack.chat_urls[0]}/settings/rooms")
        settings.get_by_label(f"New name for Old {tag}").fill(f"New {tag}")
        settings.locator("tr", has_text=f"Old {tag}").get_by_role("button", name="Rename").click()
        expect(page.locator(".room-title h1")).to_have_text(f"New {tag}")
        expect(page).to_have_title(f"New {tag} · Chat")
    finally:
        context.close()
