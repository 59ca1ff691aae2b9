"""Links and times in a real Chromium: a pasted address is a link that opens a new tab, a
``javascript:`` one stays text, and times read in the viewer's own zone (one far from UTC)
with the day separators relabelled locally, live messages included."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from tests.e2e.journey import new_person, open_account, send_message, shoot, wait_until_live
from tests.support.stack import RunningStack


def far_zone() -> str:
    """A zone whose date differs from UTC's right now (UTC-11 early in the UTC day, UTC+14
    later), so a day labelled by UTC instead of locally shows."""
    return "Pacific/Pago_Pago" if datetime.now(UTC).hour < 10 else "Pacific/Kiritimati"


def test_links_and_times_in_the_viewers_zone(
    browser: Browser, stack: RunningStack, screenshots: Path
) -> None:
    zone = far_zone()
    context = browser.new_context(timezone_id=zone, locale="en-GB")
    try:
        page = context.new_page()
        open_account(page, stack, new_person("Kiri"))
        wait_until_live(page)
        send_message(page, "Plan: https://example.org/plan?a=1&b=2 and javascript:alert(1)")
        message = page.locator("#messages li.message").last
        link = message.get_by_role("link", name="https://example.org/plan?a=1&b=2")
        expect(link).to_have_attribute("href", "https://example.org/plan?a=1&b=2")
        expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")
        expect(message.locator(".message-body a")).to_have_count(1)
        expect(message.locator(".message-body")).to_contain_text("javascript:alert(1)")

        # The time reads on the local clock, the full date and zone on hover.
        time = message.locator(".message-meta time")
        expect(time).to_have_attribute("data-localised", "yes")
        posted = datetime.fromisoformat(str(time.get_attribute("datetime")))
        local = posted.astimezone(ZoneInfo(zone))
        assert local.date() != posted.date(), "the zone is meant to be a day away from UTC"
        expect(time).to_have_text(local.strftime("%H:%M"))
        assert "UTC" not in time.inner_text()

        # The separator above it is the local day: "Today" there, even when UTC is behind.
        separator = page.locator("#messages .day-separator").last
        expect(separator).to_have_text("Today")
        expect(separator).to_have_attribute("data-day", local.date().isoformat())

        # After a reload (server-rendered, by UTC) the script relabels by local day again.
        page.reload()
        wait_until_live(page)
        expect(page.locator("#messages .day-separator").last).to_have_text("Today")
        expect(page.locator("#messages .day-separator").last).to_have_attribute(
            "data-day", local.date().isoformat()
        )
        expect(page.locator("#messages li.message .message-meta time").last).to_have_text(
            local.strftime("%H:%M")
        )
        shoot(page, screenshots, "20-links-and-local-times")
    finally:
        context.close()


def test_without_javascript_times_and_days_read_in_utc(
    browser: Browser, stack: RunningStack
) -> None:
    setup = browser.new_context()
    context = browser.new_context(timezone_id=far_zone(), java_script_enabled=False)
    try:
        person = new_person("Plain")
        open_account(setup.new_page(), stack, person)
        page = context.new_page()
        page.goto(f"{stack.auth_url}/sign-in")
        page.get_by_label("E-mail address").fill(person.email)
        page.get_by_label("Password", exact=True).fill(person.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/rooms/general$"))
        page.get_by_role("textbox", name="Message").fill("A link: https://example.org/no-js")
        page.get_by_role("button", name="Send").click()
        message = page.locator("#messages li.message").last
        expect(message.locator(".message-body a")).to_have_attribute(
            "href", "https://example.org/no-js"
        )
        expect(message.locator(".message-meta time")).to_contain_text("UTC")
        expect(page.locator("#messages .day-separator").last).to_have_text("Today")
    finally:
        context.close()
        setup.close()
