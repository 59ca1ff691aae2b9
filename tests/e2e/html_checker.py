"""The Nu HTML Checker (the W3C validator) on every page the browser tests load.

``scripts/fetch-html-checker`` (run by bootstrap) copies ``nu.validator:validator`` from Maven
Central into ``.tools/html-checker/lib``. One checker runs per test session as a local HTTP
service on 127.0.0.1 (a JVM start per page would cost a second each). Every browser context
the tests open records the HTML documents it receives (each navigation, form answer and
error page); the DOM as it stands is checked too wherever a test runs axe (menus and drawers
open, live messages in). A test fails on any error but htmx's own attributes (``hx-*``,
``sse-*``: the issue allows them). A missing checker fails the tests, never skips them.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response
from playwright.sync_api import Error as PlaywrightError

CHECKER_LIB = Path(__file__).resolve().parents[2] / ".tools" / "html-checker" / "lib"
# htmx's attributes are not HTML's; the issue leaves them aside.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “(hx|sse)-[a-z:-]+” not allowed on element")
START_TIMEOUT = 90.0
# The session's checker, for helpers that see only a page (axe's page states).
_active: list[HtmlChecker] = []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class HtmlChecker:
    """A running checker service and the checks of the documents recorded since the last
    ``check_pending``: each is sent as it is recorded, so checking overlaps the test's own
    waits instead of adding to its teardown."""

    url: str
    _checks: list[tuple[str, Future[list[str]]]] = field(default_factory=list)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2))

    def errors_in(self, html: str) -> list[str]:
        answer = httpx.post(
            f"{self.url}/?out=json",
            content=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
            timeout=60,
        )
        answer.raise_for_status()
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return [
            f"line {m.get('lastLine')}: {m['message']} in {m.get('extract', '')!r}"
            for m in messages
            if m["type"] in ("error", "non-document-error")
            and not HTMX_ATTRIBUTE.match(m["message"])
        ]

    def record(self, where: str, html: str) -> None:
        self._checks.append((where, self._pool.submit(self.errors_in, html)))

    def forget_pending(self) -> None:
        for _, check in self._checks:
            check.cancel()
        self._checks.clear()

    def check_pending(self) -> list[str]:
        """Every error in the documents recorded since the last call, named by where."""
        checks, self._checks = self._checks, []
        return [f"{where}: {error}" for where, check in checks for error in check.result()]

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


@contextmanager
def running_checker() -> Iterator[HtmlChecker]:
    jars = sorted(CHECKER_LIB.glob("validator-*.jar"))
    if not jars:
        pytest.fail(f"the Nu HTML Checker is missing ({CHECKER_LIB}): run scripts/bootstrap")
    port = _free_port()
    command = [
        "java",
        "-Dnu.validator.servlet.bind-address=127.0.0.1",
        "-cp",
        f"{CHECKER_LIB}/*",
        "nu.validator.servlet.Main",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    checker = HtmlChecker(url=f"http://127.0.0.1:{port}")
    try:
        _wait_until_checking(checker, process)
        _active.append(checker)
        yield checker
    finally:
        _active.clear()
        checker.close()
        process.terminate()
        process.wait(timeout=30)


def _wait_until_checking(checker: HtmlChecker, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"the Nu HTML Checker stopped at start-up:\n{stderr[-2000:]}")
        try:
            checker.errors_in("<!DOCTYPE html><html lang=en><title>start</title></html>")
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail(f"the Nu HTML Checker did not answer within {START_TIMEOUT:.0f} s")


def record_documents(context: BrowserContext, checker: HtmlChecker) -> None:
    """Records every HTML document the context receives (not htmx's fragments)."""

    def on_response(response: Response) -> None:
        if response.request.resource_type != "document" or not 200 <= response.status < 600:
            return
        if response.status in (301, 302, 303, 307, 308):
            return  # a redirect has no page; where it leads is recorded
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        try:
            checker.record(f"{response.request.method} {response.url}", response.text())
        except PlaywrightError:  # the page navigated on before its body was read
            return

    context.on("response", on_response)


def record_every_context(browser: Browser, checker: HtmlChecker) -> None:
    """Makes every context the tests open, however they open it, record its documents."""
    new_context = browser.new_context

    def recording_new_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        record_documents(context, checker)
        return context

    setattr(browser, "new_context", recording_new_context)  # noqa: B010 - an instance hook


def record_state(page: Page, where: str) -> None:
    """Records the page's DOM as it stands (a menu open, live messages in)."""
    for checker in _active:
        checker.record(f"{where} ({page.url})", page.content())
