"""Files in messages in a real Chromium (issue 31): the file button and a pasted image reach
another member live as a thumbnail; the viewer opens and closes with the keyboard; a failed
upload keeps the draft; without JavaScript the plain form uploads; a PDF shows its first
page, and one that cannot be drawn keeps only its link."""

from __future__ import annotations

import base64
import io
import uuid

from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.e2e.journey import open_two_accounts, without_javascript
from tests.support.pdf_files import LETTER, pdf_of
from tests.support.stack import RunningStack


def png(colour: tuple[int, int, int], size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def paste_image(page: Page, name: str, data: bytes) -> None:
    """What pasting a screenshot does: a paste event whose clipboard holds an image file."""
    page.get_by_role("textbox", name="Message").focus()
    page.evaluate(
        """([name, encoded]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const clipboard = new DataTransfer();
            clipboard.items.add(new File([bytes], name, { type: "image/png" }));
            const paste = new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true });
            document.activeElement.dispatchEvent(paste);
        }""",
        [name, base64.b64encode(data).decode()],
    )


def loaded_thumbnail(page: Page, name: str) -> None:
    """The thumbnail arrived (live) and its image loaded."""
    expect(page.locator(f'#messages img[alt="{name}"]')).to_be_visible()
    page.wait_for_function(
        "(alt) => { const i = document.querySelector(`#messages img[alt='${alt}']`);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=name,
    )


def test_file_button_and_paste_reach_the_other_member_live_and_the_viewer_uses_the_keyboard(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ada, _), (bob, _) = open_two_accounts(stack, contexts, ("Ada", "Bob"))
        tag = uuid.uuid4().hex[:6]

        # The file button: the chosen file is listed with its progress and a Remove button.
        ada.locator("#message-files").set_input_files(
            [
                FilePayload(
                    name=f"chart-{tag}.png", mimeType="image/png", buffer=png((0, 90, 200))
                ),
                FilePayload(name="mistake.txt", mimeType="text/plain", buffer=b"oops"),
            ]
        )
        expect(ada.locator(".chosen-files li")).to_have_count(2)
        ada.get_by_role("button", name="Remove mistake.txt").click()
        expect(ada.locator(".chosen-files li")).to_have_count(1)
        ada.get_by_role("textbox", name="Message").fill(f"the chart {tag}")
        ada.locator("#message-form").get_by_role("button", name="Send").click()
        expect(ada.locator(".chosen-files li")).to_have_count(0)
        loaded_thumbnail(bob, f"chart-{tag}.png")
        expect(bob.locator("#messages")).not_to_contain_text("mistake.txt")

        # Paste: a screenshot straight from the clipboard.
        paste_image(ada, f"screenshot-{tag}.png", png((30, 160, 60)))
        expect(ada.locator(".chosen-files li")).to_have_count(1)
        ada.get_by_role("textbox", name="Message").fill(f"pasted {tag}")
        ada.locator("#message-form").get_by_role("button", name="Send").click()
        loaded_thumbnail(bob, f"screenshot-{tag}.png")

        # The viewer: Enter on the thumbnail opens the full image, Escape closes it.
        link = bob.locator(f'a.image-link:has(img[alt="chart-{tag}.png"])')
        link.focus()
        bob.keyboard.press("Enter")
        viewer = bob.locator("#image-viewer")
        expect(viewer).to_be_visible()
        bob.wait_for_function(
            "() => document.querySelector('#image-viewer img').naturalWidth === 120"
        )
        bob.keyboard.press("Escape")
        expect(viewer).to_be_hidden()
        expect(link).to_be_focused()
    finally:
        for context in contexts:
            context.close()


def test_a_refused_upload_keeps_the_draft_and_names_the_file(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ada, _), _ = open_two_accounts(stack, contexts, ("Ada", "Eve"))
        many = [
            FilePayload(name=f"part-{n}.txt", mimeType="text/plain", buffer=b"x") for n in range(11)
        ]
        ada.locator("#message-files").set_input_files(many)
        box = ada.get_by_role("textbox", name="Message")
        box.fill("all the parts")
        ada.locator("#message-form").get_by_role("button", name="Send").click()
        expect(ada.locator(".upload-error")).to_have_text(
            "At most 10 files per message; this had 11."
        )
        expect(box).to_have_value("all the parts")
        expect(ada.locator(".chosen-files li")).to_have_count(11)
    finally:
        for context in contexts:
            context.close()


def test_without_javascript_the_plain_form_uploads_a_file(
    browser: Browser, stack: RunningStack
) -> None:
    context = without_javascript(browser, stack, "Noscript", {"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{stack.chat_urls[0]}/rooms/general")
        tag = uuid.uuid4().hex[:6]
        page.locator("#message-files").set_input_files(
            FilePayload(name=f"notes-{tag}.txt", mimeType="text/plain", buffer=b"plain notes")
        )
        page.get_by_role("button", name="Send").click()  # only a file, no text
        link = page.get_by_role("link", name=f"notes-{tag}.txt")
        expect(link).to_be_visible()
        href = link.get_attribute("href")
        assert href is not None and href.startswith("/files/general/")
        answer = page.request.get(f"{stack.chat_urls[0]}{href}")
        assert answer.status == 200 and answer.body() == b"plain notes"
        assert answer.headers["content-disposition"].startswith("attachment")
    finally:
        context.close()


def test_a_pdf_shows_its_first_page_and_an_undrawable_one_only_its_link(
    browser: Browser, stack: RunningStack
) -> None:
    contexts = browser.new_context(), browser.new_context()
    try:
        (ada, _), (bob, _) = open_two_accounts(stack, contexts, ("Ada", "Bob"))
        tag = uuid.uuid4().hex[:6]
        ada.locator("#message-files").set_input_files(
            [
                FilePayload(
                    name=f"report-{tag}.pdf", mimeType="application/pdf", buffer=pdf_of(LETTER)
                ),
                FilePayload(
                    name=f"broken-{tag}.pdf", mimeType="application/pdf", buffer=b"%PDF-1.7 no"
                ),
            ]
        )
        ada.locator("#message-form").get_by_role("button", name="Send").click()
        first_page = f"First page of report-{tag}.pdf"
        loaded_thumbnail(bob, first_page)
        assert bob.locator(f'img[alt="{first_page}"]').evaluate("(i) => i.naturalWidth") == 240
        # The worker could not draw it: its preview goes (404), its link stays.
        expect(bob.locator(f'img[alt="First page of broken-{tag}.pdf"]')).to_have_count(0)
        expect(bob.get_by_role("link", name=f"broken-{tag}.pdf")).to_be_visible()
    finally:
        for context in contexts:
            context.close()
