"""Sending a message: validation, rate limit, escaping, with and without JavaScript."""

from __future__ import annotations

import re

from quart.typing import TestClientProtocol as ChatClient

from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in

HTMX = {"HX-Request": "true"}


async def send(
    client: ChatClient, body: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    page = await (await client.get("/rooms/general")).get_data(as_text=True)
    response = await client.post(
        "/messages", form={"body": body, "csrf_token": csrf_token_in(page)}, headers=headers
    )
    return response.status_code, await response.get_data(as_text=True)


async def test_without_javascript_a_message_is_stored_and_the_page_reloads(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        page = await (await client.get("/rooms/general")).get_data(as_text=True)
        response = await client.post(
            "/messages", form={"body": "  hello\r\nworld  ", "csrf_token": csrf_token_in(page)}
        )
        assert response.status_code == 303
        # Without JavaScript the page lands on the new message.
        assert response.headers["Location"] == "/rooms/general#message-1"
        html = await (await client.get("/rooms/general")).get_data(as_text=True)
    assert message_ids_in(html) == [1]
    # Formatted text (chat_svc/formatting/): the line break stays a line break.
    assert '<div class="message-body message-text" dir="auto">hello<br>\nworld</div>' in html


async def test_with_htmx_a_sent_message_answers_a_fresh_form(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        status, html = await send(client, "hello", HTMX)
    assert status == 200
    assert html.lstrip().startswith('<form id="message-form"') and "<html" not in html
    assert "hello" not in html


async def test_an_empty_or_oversized_message_is_refused_with_the_error_in_the_form(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app(message_max_chars=20).test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        empty_status, empty_html = await send(client, "   \n ", HTMX)
        long_status, long_html = await send(client, "x" * 21)
        fits_status, _ = await send(client, "y" * 20)
    assert empty_status == 422 and "Write a message before sending." in empty_html
    assert "<html" not in empty_html  # HTMX gets the form block only
    assert long_status == 422 and "at most 20 characters; this one has 21" in long_html
    assert "<html" in long_html  # without JavaScript: the whole page
    assert fits_status == 303


async def test_a_form_without_its_csrf_token_is_refused(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        response = await client.post("/messages", form={"body": "hi"})
    assert response.status_code == 422
    assert "Your form expired" in await response.get_data(as_text=True)


async def test_a_flood_of_messages_is_rate_limited_per_user_with_a_friendly_429(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    app = make_chat_app(message_rate_count=3, message_rate_period_seconds=60)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", ada.token)
        statuses = [(await send(client, f"flood {n}"))[0] for n in range(3)]
        limited_status, limited_html = await send(client, "one too many", HTMX)
        plain_status, plain_html = await send(client, "one too many")
        other = test_app.test_client()
        other.set_cookie("localhost", "chat_session", bob.token)
        other_status, _ = await send(other, "Bob is not limited by Ada")
    assert statuses == [303, 303, 303]
    assert limited_status == 429 and "You are sending messages quickly" in limited_html
    assert "one too many" in limited_html  # the draft is kept
    assert plain_status == 429 and "Too many requests" in plain_html
    assert other_status == 303


async def test_a_script_in_a_message_is_shown_as_text(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        await send(client, '<script>alert("x")</script>')
        html = await (await client.get("/rooms/general")).get_data(as_text=True)
    # The sanitiser (chat_svc/formatting/) writes quotes in text as they are: inert there.
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html
    assert '<script>alert("x")' not in html


async def test_a_retried_send_of_one_draft_is_stored_once_and_answered_alike(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        page = await (await client.get("/rooms/general")).get_data(as_text=True)
        draft = client_id_in(page)
        form = {"body": "only once", "csrf_token": csrf_token_in(page), "client_id": draft}
        first = await client.post("/messages", form=form)
        retry = await client.post("/messages", form=form)
        retry_htmx = await client.post("/messages", form=form, headers=HTMX)
        await client.post("/messages", form=form | {"client_id": "b" * 32})
        html = await (await client.get("/rooms/general")).get_data(as_text=True)
    assert first.headers["Location"] == retry.headers["Location"] == "/rooms/general#message-1"
    assert retry_htmx.status_code == 200
    assert message_ids_in(html) == [1, 2]  # the retries stored nothing; a new draft did
    assert client_id_in(html) != draft  # every fresh form carries a new key


def client_id_in(html: str) -> str:
    found = re.search(r'name="client_id"[^>]*value="([0-9a-f]+)"', html) or re.search(
        r'value="([0-9a-f]+)"[^>]*name="client_id"', html
    )
    assert found, "no client_id in the message form"
    return found.group(1)


async def test_one_draft_key_sent_in_two_rooms_is_two_messages(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # Issue 29 item 7: the key ignored the room, so the second post was dropped.
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        other = await ada.create_room("Second room")
        draft = "c" * 32
        _, _, first = await ada.post("/rooms/general/messages", body="in general", client_id=draft)
        _, _, second = await ada.post(f"/rooms/{other}/messages", body="elsewhere", client_id=draft)
        _, html = await ada.get(f"/rooms/{other}")
    assert first == "/rooms/general#message-1"
    assert second == f"/rooms/{other}#message-1"
    assert "elsewhere" in html
