"""A name change in real browsers (issue 35): the other person's browser, on the other
replica, shows the new name on the old message at once (live) and after a reload, and in
the title of their direct room; an uploaded avatar shows on their messages there and on
the direct room in their sidebar."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from playwright.sync_api import Browser, expect

from tests.e2e.journey import (
    open_account_menu,
    open_two_accounts,
    send_message,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_a_new_name_shows_on_old_messages_and_the_direct_room_in_a_second_browser(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ann, ann_person), (bob, bob_person) = open_two_accounts(stack, contexts, ("Ann", "Bob"))
        send_message(ann, "said before the new name")
        bob.goto(f"{stack.chat_urls[1]}/people")  # the other replica
        bob.locator("li", has_text=ann_person.name).get_by_role("button", name="Message").click()
        dm_url = bob.url

        bob.goto(f"{stack.chat_urls[1]}/rooms/general")  # open before the rename
        wait_until_live(bob)
        old = bob.locator(".message", has_text="said before the new name")
        expect(old.locator(".message-author")).to_have_text(ann_person.name)
        new_name = f"Annabel {uuid.uuid4().hex[:4]}"
        open_account_menu(ann)
        ann.get_by_role("link", name="Your profile").click()
        ann.get_by_label("Display name").fill(new_name)
        ann.get_by_label("Status").fill("on leave until Monday")
        ann.get_by_role("button", name="Save").click()
        expect(ann.get_by_role("status")).to_have_text("Saved.")

        expect(old.locator(".message-author")).to_have_text(new_name)  # live, no reload
        bob.reload()
        expect(old.locator(".message-author")).to_have_text(new_name)
        bob.goto(dm_url)
        expect(bob.locator(f'.sidebar-entry:has-text("{new_name}")')).to_be_visible()
        expect(bob.locator(f'.sidebar-entry:has-text("{ann_person.name}")')).to_have_count(0)
        assert bob_person.name not in new_name
    finally:
        for context in contexts:
            context.close()


def test_an_uploaded_avatar_shows_in_a_second_browser_and_its_direct_room(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ann, ann_person), (bob, _) = open_two_accounts(stack, contexts, ("Ann", "Bob"))
        send_message(ann, "said with a face")
        ann.goto(f"{stack.chat_urls[0]}/settings/profile")
        ann.get_by_label("Picture", exact=True).set_input_files(
            {"name": "me.png", "mimeType": "image/png", "buffer": _green_png()}
        )
        ann.get_by_role("button", name="Save").click()
        expect(ann.get_by_role("status")).to_have_text("Saved.")

        bob.goto(f"{stack.chat_urls[1]}/rooms/general")  # the other replica
        face = bob.locator(".message", has_text="said with a face").locator("img.avatar-picture")
        expect(face).to_have_attribute("src", re.compile(r"^/avatars/.+/64\.webp$"))
        face.scroll_into_view_if_needed()
        expect(face).to_have_js_property("naturalWidth", 64)  # served, decoded by Chromium

        # Bob's direct room with Ann shows her picture in his sidebar.
        src = face.get_attribute("src") or ""
        bob.goto(f"{stack.chat_urls[1]}/people")
        bob.locator("li", has_text=ann_person.name).get_by_role("button", name="Message").click()
        direct = bob.locator('.sidebar-entry[data-kind="direct"]', has_text=ann_person.name)
        picture = direct.locator("img.avatar-picture")
        expect(picture).to_have_attribute("src", src)
        expect(picture).to_have_js_property("naturalWidth", 64)
    finally:
        for context in contexts:
            context.close()


def _green_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 160, 60)).save(out, "PNG")
    return out.getvalue()
