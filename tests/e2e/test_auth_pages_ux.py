"""The auth pages as a person meets them: focus after an error, what stays typed, what is
readable in dark mode, one message at a time, a used link, titles and the favicon."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from tests.e2e.contrast import CONTRAST_JS
from tests.e2e.journey import (
    htmx_settled,
    link_in,
    new_person,
    request_sign_up,
    set_password_from_email,
    sign_in,
)
from tests.support.stack import RunningStack


@pytest.fixture(params=["light", "dark"])
def schemed_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(color_scheme=request.param)
    try:
        yield context.new_page()
    finally:
        context.close()


def _focused_label(page: Page) -> str:
    return str(
        page.evaluate(
            "() => document.activeElement && document.activeElement.labels[0].textContent.trim()"
        )
    )


def test_error_text_is_readable_in_both_colour_schemes(
    schemed_page: Page, stack: RunningStack
) -> None:
    page = schemed_page
    page.goto(f"{stack.auth_url}/sign-in")
    htmx_settled(page)
    page.get_by_label("E-mail address").fill("nobody@example.com")
    page.get_by_role("button", name="Sign in").click()  # no password: a field error
    expect(page.locator(".field-error")).to_have_count(1)
    page.get_by_label("Password", exact=True).fill("wrong password, twelve+")
    htmx_settled(page)
    page.get_by_role("button", name="Sign in").click()  # a form error
    expect(page.locator(".form-error")).to_be_visible()
    for element in page.locator(".form-error p").all():
        assert element.evaluate(CONTRAST_JS) >= 4.5
    page.goto(f"{stack.auth_url}/sign-up")
    htmx_settled(page)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.locator(".field-error")).to_have_count(2)
    for element in page.locator(".field-error").all():
        assert element.evaluate(CONTRAST_JS) >= 4.5


def test_the_first_field_in_error_takes_the_focus(
    context: BrowserContext, stack: RunningStack
) -> None:
    page = context.new_page()
    page.goto(f"{stack.auth_url}/sign-up")
    htmx_settled(page)
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_text("Choose a display name.")).to_be_visible()
    htmx_settled(page)
    assert _focused_label(page) == "Display name"
    expect(page.get_by_label("E-mail address")).to_have_value("ada@example.com")


def test_the_first_field_in_error_takes_the_focus_without_javascript(
    browser: Browser, stack: RunningStack
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{stack.auth_url}/sign-up")
        page.get_by_label("E-mail address").fill("ada@example.com")
        with page.expect_navigation():
            page.get_by_role("button", name="Send me the link").click()
        expect(page.get_by_text("Choose a display name.")).to_be_visible()
        assert _focused_label(page) == "Display name"
    finally:
        context.close()


def test_a_mismatch_keeps_the_new_password_and_focuses_the_confirmation(
    context: BrowserContext, stack: RunningStack
) -> None:
    page = context.new_page()
    person = new_person("Kim")
    request_sign_up(page, stack, person)
    page.goto(link_in(stack.wait_for_email(person.email, "set your password"), "/set-password"))
    htmx_settled(page)
    page.get_by_label("New password").fill(person.password)
    page.get_by_label("Confirm password").fill(person.password + " typo")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("The two passwords do not match.")).to_be_visible()
    htmx_settled(page)
    assert _focused_label(page) == "Confirm password"
    expect(page.get_by_label("New password")).to_have_value(person.password)
    expect(page.get_by_label("Confirm password")).to_have_value("")

    # A password the server refused is not kept, nor its confirmation.
    page.get_by_label("New password").fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Use between 12 and 128 characters.")).to_be_visible()
    htmx_settled(page)
    assert _focused_label(page) == "New password"
    expect(page.get_by_label("New password")).to_have_value("")
    expect(page.get_by_label("Confirm password")).to_have_value("")


def test_a_used_sign_up_link_says_the_account_is_ready(
    context: BrowserContext, stack: RunningStack
) -> None:
    page = context.new_page()
    person = new_person("Noor")
    request_sign_up(page, stack, person)
    link = set_password_from_email(page, stack, person)
    response = page.goto(link)
    assert response is not None and response.status == 403
    expect(
        page.get_by_role("heading", name="This link was already used: your account is ready")
    ).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_link_used_in_another_tab_shows_the_whole_answer_page(
    context: BrowserContext, stack: RunningStack
) -> None:
    """The second tab's form gets a 403 page under htmx: its heading and title replace the
    form page's, not only its <main>."""
    first, second = context.new_page(), context.new_page()
    person = new_person("Tove")
    request_sign_up(first, stack, person)
    link = link_in(stack.wait_for_email(person.email, "set your password"), "/set-password")
    for page in (first, second):
        page.goto(link)
        htmx_settled(page)
        page.get_by_label("New password").fill(person.password)
        page.get_by_label("Confirm password").fill(person.password)
    first.get_by_role("button", name="Create my account").click()
    expect(first).to_have_url(re.compile(r"/rooms/general$"))
    second.get_by_role("button", name="Create my account").click()
    heading = "This link was already used: your account is ready"
    expect(second.get_by_role("heading", name=heading)).to_be_visible()
    expect(second.get_by_role("heading")).to_have_count(1)
    expect(second).to_have_title(f"{heading} · Chat")
    expect(second.get_by_role("link", name="Sign in")).to_be_visible()


def test_a_sign_in_error_replaces_the_success_notice(
    context: BrowserContext, stack: RunningStack
) -> None:
    page = context.new_page()
    page.goto(f"{stack.auth_url}/sign-in?notice=password-set")
    expect(page.get_by_text("Your password is set")).to_be_visible()
    sign_in(page, stack, new_person("Ray"), password="not the password at all")
    expect(page.get_by_text("Wrong e-mail address or password.")).to_be_visible()
    expect(page.get_by_text("Your password is set")).to_have_count(0)


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/sign-in", "Sign in · Chat"),
        ("/sign-up", "Sign up · Chat"),
        ("/forgot-password", "Forgot your password? · Chat"),
        ("/set-password?token=not-ours", "This link no longer works · Chat"),
        ("/no-such-page", "Page not found · Chat"),
    ],
)
def test_auth_pages_have_a_title_one_heading_no_empty_nav_and_a_favicon(
    context: BrowserContext, stack: RunningStack, path: str, title: str
) -> None:
    page = context.new_page()
    missing: list[str] = []

    def _note_missing(response: Response) -> None:
        if response.status == 404 and response.url != f"{stack.auth_url}{path}":
            missing.append(response.url)

    page.on("response", _note_missing)
    page.goto(f"{stack.auth_url}{path}")
    expect(page).to_have_title(title)
    expect(page.get_by_role("heading")).to_have_count(1)
    expect(page.locator("nav")).to_have_count(0)
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon is not None
    assert page.request.get(f"{stack.auth_url}{icon}").status == 200
    assert "Error 4" not in page.content()
    assert missing == []
