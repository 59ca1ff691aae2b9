"""The Nu HTML Checker itself: it finds what the issue named, so a green run means valid pages.

Every browser test's pages are checked by the autouse fixture in conftest.py; this module
shows the check can fail, and walks the pages with the most forms and the longest lists.
"""

from __future__ import annotations

from playwright.sync_api import BrowserContext

from tests.e2e.html_checker import HtmlChecker
from tests.e2e.journey import new_person, open_account
from tests.support.stack import RunningStack


def test_the_checker_finds_the_errors_the_issue_named(html_checker: HtmlChecker) -> None:
    page = (
        "<!DOCTYPE html><html lang=en><title>t</title>"
        "<form><input type=hidden name=csrf_token id=csrf_token value=a></form>"
        "<form><input type=hidden name=csrf_token id=csrf_token value=b></form>"
        '<time datetime="2026-12-07T02:00:00.123456Z">now</time>'
        '<p hx-get="/x" sse-swap="message">htmx aside</p></html>'
    )
    errors = html_checker.errors_in(page)
    assert any("Duplicate ID" in error for error in errors), errors
    assert any("fraction of a second" in error for error in errors), errors
    assert not any("hx-get" in error or "sse-swap" in error for error in errors), errors


def test_pages_with_many_forms_are_valid(
    context: BrowserContext, stack: RunningStack, html_checker: HtmlChecker
) -> None:
    page = context.new_page()
    open_account(page, stack, new_person("Valid"))
    for path in ("/people", "/rooms", "/rooms/general/people", "/settings/notifications"):
        page.goto(f"{stack.chat_urls[0]}{path}")
        assert html_checker.errors_in(page.content()) == [], path
