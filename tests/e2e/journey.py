"""Steps a person takes in the browser, shared by the scenario tests.

Every wait is on a condition (a locator, a URL, an e-mail arriving), never a fixed sleep.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.support.stack import RunningStack

LINK = re.compile(r"https?://[^\s\"'<>]+")
PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class Person:
    email: str
    name: str
    password: str


def new_person(name: str) -> Person:
    return Person(
        email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com",
        name=name,
        password=f"correct horse battery {uuid.uuid4().hex[:6]}",
    )


def link_in(message: dict[str, Any], path: str) -> str:
    text = str(message.get("text", ""))
    links = [link for link in LINK.findall(text) if path in link]
    assert links, f"no {path} link in e-mail {message.get('subject')!r}"
    return str(links[0])


def htmx_settled(page: Page) -> None:
    """No htmx request, swap or settle under way: htmx moves focus to ``autofocus`` while it
    settles a swapped form, which would steal focus from a field being filled."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.activeElement !== null"
    )


def mark_page(page: Page) -> None:
    """Tag the live document: if the tag survives an action, the page was not reloaded."""
    page.evaluate("window.__noReload = 'still here'")


def page_was_not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.__noReload === 'still here'"))


def request_sign_up(page: Page, stack: RunningStack, person: Person) -> None:
    page.goto(f"{stack.auth_url}/sign-up")
    page.get_by_label("E-mail address").fill(person.email)
    page.get_by_label("Display name").fill(person.name)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()


def set_password_from_email(page: Page, stack: RunningStack, person: Person) -> str:
    email = stack.wait_for_email(person.email, "set your password")
    link = link_in(email, "/set-password")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("New password").fill(person.password)
    page.get_by_label("Confirm password").fill(person.password)
    page.get_by_role("button", name="Create my account").click()
    # Signed in at once: through chat's hand-off, into general.
    expect(page).to_have_url(re.compile(r"/rooms/general$"))
    return link


def sign_in(page: Page, stack: RunningStack, person: Person, password: str | None = None) -> None:
    if not page.url.startswith(f"{stack.auth_url}/sign-in"):
        page.goto(f"{stack.auth_url}/sign-in")
    htmx_settled(page)
    page.get_by_label("E-mail address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(password or person.password)
    page.get_by_role("button", name="Sign in").click()


def open_account(page: Page, stack: RunningStack, person: Person) -> None:
    """Sign up, verify by e-mail (choosing the password signs in): the person ends on the
    chat page."""
    request_sign_up(page, stack, person)
    set_password_from_email(page, stack, person)
    wait_until_live(page)


def open_two_accounts(
    stack: RunningStack, contexts: tuple[BrowserContext, BrowserContext], names: tuple[str, str]
) -> tuple[tuple[Page, Person], tuple[Page, Person]]:
    """Two new people, one per browser context, on the chat page; names share a tag (the
    shared stack's pages list every Ada of earlier tests)."""
    tag = uuid.uuid4().hex[:4]
    opened = []
    for context, name in zip(contexts, names, strict=True):
        page, person = context.new_page(), new_person(f"{name}-{tag}")
        open_account(page, stack, person)
        opened.append((page, person))
    return opened[0], opened[1]


def without_javascript(
    browser: Browser, stack: RunningStack, name: str, viewport: ViewportSize
) -> BrowserContext:
    """A browser context without JavaScript, signed in as a new person (the caller closes
    it): the account is opened with JavaScript, its cookies carried over."""
    signed_in = browser.new_context(viewport=viewport)
    try:
        open_account(signed_in.new_page(), stack, new_person(name))
        cookies = signed_in.cookies()
    finally:
        signed_in.close()
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    context.add_cookies(cookies)  # type: ignore[arg-type]  # Cookie fits SetCookieParam
    return context


def open_room(page: Page, stack: RunningStack, person: Person, room: str) -> None:
    """``person`` signs in and opens ``room`` (its address), live."""
    sign_in(page, stack, person)
    wait_until_live(page)
    page.goto(room)
    wait_until_live(page)


def wait_until_live(page: Page) -> None:
    """The chat page's script runs and its event stream is open."""
    expect(page.locator("#live-status")).to_have_text("Live")


def send_message(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def open_account_menu(page: Page) -> None:
    """The account menu (the avatar in the room's header) holds settings and signing out."""
    page.locator("details.account-menu > summary", has_text="Your account").click()


def open_message_menu(message: Locator) -> None:
    """A message's one control: its menu, whose items exist only once it is open (a click
    on an open one would close it: after an edit is cancelled it may still be open)."""
    if not message.locator("details.message-actions").evaluate("menu => menu.open"):
        message.locator("summary", has_text="Message actions").click()


# Posts through the page's own form (its CSRF token), each with a fresh draft key, waiting
# out the per-person rate limit (a 429) instead of failing.
POST_MANY_JS = """
async ([count, prefix]) => {
  const form = document.getElementById("message-form");
  for (let n = 0; n < count; n++) {
    const data = new FormData(form);
    data.set("body", prefix + " " + n);
    data.set("client_id", crypto.randomUUID());
    for (;;) {
      const answer = await fetch(form.action, {method: "POST", body: data, redirect: "manual"});
      if (answer.status !== 429) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  // The limit is GCRA: after a saturating burst one more send fits every period/count
  // seconds (0.5 s by default); leave room for the person's own next send.
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
"""


def post_many(page: Page, count: int, prefix: str) -> None:
    page.evaluate(POST_MANY_JS, [count, prefix])


def message_ids(page: Page) -> list[int]:
    found = page.locator("#messages [data-message-id]").evaluate_all(
        "items => items.map(item => Number(item.dataset.messageId))"
    )
    return [int(value) for value in found]


def bodies(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#messages .message-body").all_inner_texts()]


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
