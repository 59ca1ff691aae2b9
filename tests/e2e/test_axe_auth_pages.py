"""axe-core on every auth page type and the error pages, in light and dark schemes.

Marked ``axe``: it needs axe-core in node_modules (see tests/e2e/axe.py) and fails without
it. Until it is installed, ``pytest -m "not axe"`` leaves these out on purpose.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import ColorScheme, assert_no_blocking_violations, axe_context
from tests.e2e.journey import htmx_settled, link_in, new_person, request_sign_up
from tests.support.stack import RunningStack

pytestmark = pytest.mark.axe
SCHEMES: list[ColorScheme] = ["light", "dark"]


def _with_errors(page: Page, button: str) -> None:
    """Submit the form empty so every kind of error text is on the page."""
    htmx_settled(page)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".field-error").first).to_be_visible()
    htmx_settled(page)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_auth_pages_and_their_errors(
    browser: Browser, stack: RunningStack, scheme: ColorScheme
) -> None:
    with axe_context(browser, scheme) as context:
        page = context.new_page()
        pages = [
            ("/", None),
            ("/sign-up", "Send me the link"),
            ("/sign-in?notice=password-set", "Sign in"),
            ("/forgot-password", "Send me a reset link"),
            ("/check-your-inbox", None),
        ]
        for path, button in pages:
            page.goto(f"{stack.auth_url}{path}")
            assert_no_blocking_violations(page, f"{path} ({scheme})")
            if button:
                _with_errors(page, button)
                assert_no_blocking_violations(page, f"{path} with errors ({scheme})")

        # A form-level error (wrong password) beside field styling.
        page.goto(f"{stack.auth_url}/sign-in")
        htmx_settled(page)
        page.get_by_label("E-mail address").fill("nobody@example.com")
        page.get_by_label("Password", exact=True).fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".form-error")).to_be_visible()
        assert_no_blocking_violations(page, f"/sign-in wrong password ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_set_password_page_and_its_errors(
    browser: Browser, stack: RunningStack, scheme: ColorScheme
) -> None:
    with axe_context(browser, scheme) as context:
        page = context.new_page()
        person = new_person("Ida")
        request_sign_up(page, stack, person)
        page.goto(link_in(stack.wait_for_email(person.email, "set your password"), "/set-password"))
        assert_no_blocking_violations(page, f"/set-password ({scheme})")
        _with_errors(page, "Create my account")
        assert_no_blocking_violations(page, f"/set-password with errors ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_error_pages(browser: Browser, stack: RunningStack, scheme: ColorScheme) -> None:
    with axe_context(browser, scheme) as context:
        page = context.new_page()
        for path in ("/no-such-page", "/set-password?token=not-ours", "/reset-password"):
            page.goto(f"{stack.auth_url}{path}")
            assert_no_blocking_violations(page, f"{path} ({scheme})")
        page.goto(f"{stack.chat_urls[0]}/session/start?code=made-up")
        assert_no_blocking_violations(page, f"chat's expired sign-in link ({scheme})")
