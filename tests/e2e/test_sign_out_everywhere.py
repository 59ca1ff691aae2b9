"""Signing out on every device (issue 37, item 15): the button asks first, and the other
devices land on the sign-in page saying why."""

from __future__ import annotations

from playwright.sync_api import Browser, Dialog, expect

from tests.e2e.journey import (
    new_person,
    open_account,
    open_account_menu,
    sign_in,
    wait_until_live,
)
from tests.support.stack import RunningStack


def test_sign_out_everywhere_asks_first_and_other_devices_say_why(
    browser: Browser, stack: RunningStack
) -> None:
    laptop_context, phone_context = browser.new_context(), browser.new_context()
    try:
        laptop, phone = laptop_context.new_page(), phone_context.new_page()
        person = new_person("Sig")
        open_account(laptop, stack, person)
        sign_in(phone, stack, person)
        wait_until_live(phone)

        asked: list[str] = []

        def answer(accept: bool) -> None:
            def handle(dialog: Dialog) -> None:
                asked.append(dialog.message)
                if accept:
                    dialog.accept()
                else:
                    dialog.dismiss()

            phone.once("dialog", handle)
            # The button sits in the account menu, still open after a dismissed question.
            if not phone.locator("details.account-menu").evaluate("menu => menu.open"):
                open_account_menu(phone)
            phone.get_by_role("button", name="Sign out on every device").click()

        answer(accept=False)
        assert asked and "every device" in asked[0]
        wait_until_live(phone)  # still signed in
        answer(accept=True)
        expect(phone.get_by_text("You are signed out on every device.")).to_be_visible()
        expect(laptop.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(laptop.get_by_text("You were signed out from another device")).to_be_visible()
    finally:
        laptop_context.close()
        phone_context.close()
