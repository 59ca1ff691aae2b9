"""Browser fixtures: Debian's Chromium driven by Playwright against the whole stack.

Playwright cannot download its own browsers here, so it launches /usr/bin/chromium with
the flags this machine's closed network needs. Screenshots go to test-artifacts/screenshots.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect, sync_playwright

from tests.e2e.html_checker import HtmlChecker, record_every_context, running_checker
from tests.support.stack import RunningStack, start_stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# A ceiling for every condition-based wait, not a sleep: CI runs on a busy 2-core machine.
expect.set_options(timeout=10_000)


# Every browser test signs people up from 127.0.0.1 within a few minutes: the per-address
# limits are raised so the tests measure the pages, not the rate limiter (integration tests
# cover the limits).
GENEROUS_LIMITS = {
    "AUTH_SIGN_UP_PER_IP": "1000",
    "AUTH_SIGN_UP_PER_EMAIL": "1000",
    "AUTH_SIGN_IN_PER_IP": "1000",
    "AUTH_FORGOT_PASSWORD_PER_IP": "1000",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in GENEROUS_LIMITS.items():
            env.setenv(name, value)
        running = start_stack(tmp_path_factory.mktemp("stack"), chat_replicas=2)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: run ./run test (installs it) or apt-get install chromium"
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def html_checker() -> Iterator[HtmlChecker]:
    with running_checker() as checker:
        yield checker


@pytest.fixture(scope="session")
def browser(playwright: Playwright, html_checker: HtmlChecker) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    record_every_context(browser, html_checker)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def valid_html(html_checker: HtmlChecker) -> Iterator[None]:
    """Every page a browser test loaded is valid HTML (checked after its contexts close)."""
    html_checker.forget_pending()
    yield
    errors = html_checker.check_pending()
    if errors:
        pytest.fail("the Nu HTML Checker found:\n" + "\n".join(errors[:40]), pytrace=False)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
