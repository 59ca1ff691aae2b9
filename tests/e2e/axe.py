"""axe-core in the browser tests: zero serious or critical violations, light and dark.

axe-core comes from npm, pinned in package.json (``AXE_CORE_VERSION``), and is read from
``node_modules/axe-core/axe.min.js``. It is injected as an init script (DevTools, before the
page's own scripts), so our Content-Security-Policy, which forbids inline scripts, stays on
and is part of what is tested. A missing axe-core fails the test, never skips it: a skipped
accessibility check looks the same as a passing one in a green run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.html_checker import record_state

AXE_CORE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Elsewhere (a CI cache, a copy unpacked with `npm pack`): AXE_CORE_JS=/path/to/axe.min.js
AXE_SCRIPT_OVERRIDE = "AXE_CORE_JS"
BLOCKING_IMPACTS = ("serious", "critical")
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
ColorScheme = Literal["light", "dark"]


def axe_script() -> Path:
    script = Path(os.environ.get(AXE_SCRIPT_OVERRIDE) or AXE_SCRIPT)
    if not script.is_file():
        pytest.fail(
            f"axe-core is missing ({script}). Install it pinned: "
            f"npm install --save-exact --save-dev axe-core@{AXE_CORE_VERSION}"
        )
    head = script.read_text(encoding="utf-8")[:40]
    if f"axe v{AXE_CORE_VERSION}" not in head:
        pytest.fail(f"{script} is not axe-core {AXE_CORE_VERSION} (starts {head!r})")
    return script


@contextmanager
def axe_context(
    browser: Browser, color_scheme: ColorScheme, **options: Any
) -> Iterator[BrowserContext]:
    """A browser context in that colour scheme with axe-core on every page."""
    script = axe_script()
    context = browser.new_context(color_scheme=color_scheme, **options)
    try:
        context.add_init_script(path=str(script))
        yield context
    finally:
        context.close()


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    results: dict[str, Any] = page.evaluate(
        "async (tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        RULE_TAGS,
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and the first few elements it names, for the failure text."""
    lines = []
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} at {targets}")
        lines.extend(str(node.get("failureSummary", "")) for node in violation["nodes"][:1])
    return "\n".join(lines)


def assert_no_blocking_violations(page: Page, where: str) -> None:
    record_state(page, where)
    violations = blocking_violations(page)
    assert not violations, f"axe on {where}:\n{describe(violations)}"
