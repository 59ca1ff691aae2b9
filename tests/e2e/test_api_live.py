"""A script with a personal token posts, edits and deletes through the API, and a real
Chromium on the room page sees each change live."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import BrowserContext, expect

from tests.e2e.journey import new_person, open_account, wait_until_live
from tests.support.stack import RunningStack


def test_a_script_with_a_token_posts_edits_and_deletes_and_the_page_sees_it_live(
    context: BrowserContext, stack: RunningStack
) -> None:
    page = context.new_page()
    open_account(page, stack, new_person("Ada"))
    chat = page.url.split("/rooms/")[0]
    page.goto(f"{chat}/settings/tokens")
    page.get_by_label("Token name").fill("CI notices")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    tag = uuid.uuid4().hex[:6]
    text = f"deploy {tag} done"
    with httpx.Client(base_url=chat, headers={"Authorization": f"Bearer {token}"}) as api:
        # A room of its own: the stack is shared, and other tests count general's messages.
        made = api.post("/api/v1/rooms", json={"name": f"Deploys {tag}"})
        assert made.status_code == 201, made.text
        slug = made.json()["slug"]
        page.goto(f"{chat}/rooms/{slug}")
        wait_until_live(page)
        posted = api.post(f"/api/v1/rooms/{slug}/messages", json={"body": text})
        assert posted.status_code == 201, posted.text
        message = page.locator(f"#message-{posted.json()['id']}")
        expect(message.locator(".message-body")).to_have_text(text)

        path = f"/api/v1/rooms/{slug}/messages/{posted.json()['id']}"
        assert api.patch(path, json={"body": f"{text}, edited"}).status_code == 200
        expect(message.locator(".message-body")).to_have_text(f"{text}, edited")
        expect(message).to_contain_text("(edited)")

        assert api.delete(path).status_code == 204
        expect(page.locator(f"#message-{posted.json()['id']}")).to_have_text("Message deleted")
