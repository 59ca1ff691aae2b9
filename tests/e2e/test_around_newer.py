"""Issue 32: the room page around a message loads newer messages below it and turns live
once it reaches the newest: a message posted while the page was not yet live shows once,
in order, and one posted after arrives over the stream."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    message_ids,
    new_person,
    open_account,
    post_many,
    send_message,
    wait_until_live,
)
from tests.support.stack import RunningStack


@pytest.mark.timeout(300)  # 40 messages through the rate limit on a busy machine
def test_load_newer_reaches_the_newest_and_goes_live_without_a_gap(
    browser: Browser, stack: RunningStack
) -> None:
    with browser.new_context() as context:
        page = context.new_page()
        tag = uuid.uuid4().hex[:4]
        open_account(page, stack, new_person(f"Ivy-{tag}"))
        page.get_by_role("link", name="All rooms").click()
        page.get_by_label("Room name").fill(f"Onward {tag}")
        page.get_by_role("button", name="Create the room").click()
        wait_until_live(page)
        send_message(page, f"target {tag}")
        expect(page.locator("#messages [data-message-id]")).to_have_count(1)
        target = message_ids(page)[0]
        post_many(page, 40, f"later {tag}")  # more than a page (30) below the target

        page.goto(f"{page.url}?around={target}")
        expect(page.locator(f"#message-{target}")).to_contain_text(f"target {tag}")
        load_newer = page.get_by_role("link", name="Load newer messages")
        expect(load_newer).to_be_visible()
        expect(page.locator("#live-status")).not_to_have_text("Live")  # not live: a gap
        post_many(page, 1, f"meanwhile {tag}")  # neither shown nor lost

        load_newer.click()
        wait_until_live(page)
        expect(load_newer).to_have_count(0)
        expect(page.get_by_text(f"meanwhile {tag} 0", exact=True)).to_have_count(1)
        send_message(page, f"live {tag}")
        expect(page.get_by_text(f"live {tag}", exact=True)).to_be_visible()
        shown = message_ids(page)
        assert len(shown) == 43 and shown == sorted(set(shown))
