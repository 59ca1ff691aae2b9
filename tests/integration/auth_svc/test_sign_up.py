"""Sign-up and the set-password page reached from the e-mail."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from service_kit.events import SignUpAttemptedForExistingAccount, SignUpRequested, UserCreated
from tests.integration.auth_svc.conftest import (
    PASSWORD,
    link_of,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)


async def _requested_link(client: Client, js: JetStreamContext, count: int = 1) -> str:
    events = await wait_for_events(js, SignUpRequested.SUBJECT, count)
    event = events[-1]
    assert isinstance(event, SignUpRequested)
    return link_of(event)


async def test_sign_up_mails_a_link_and_the_link_creates_the_account(
    client: Client, jetstream: JetStreamContext
) -> None:
    response = await submit(
        client, "/sign-up", email="  Ada@Example.COM ", display_name=" Ada Lovelace "
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/check-your-inbox"
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    assert isinstance(requested, SignUpRequested)
    assert requested.email == "ada@example.com"
    assert requested.display_name == "Ada Lovelace"
    assert link_of(requested).startswith("http://127.0.0.1:8001/set-password?token=")
    assert len(token_from(link_of(requested))) >= 43  # 256 bits, URL-safe base64

    path = f"/set-password?token={token_from(link_of(requested))}"
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    # Password managers save the new password with its account (issue 37, item 11).
    html = await page.get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'value="ada@example.com"' in html

    response = await submit(client, path, password=PASSWORD, confirm_password=PASSWORD)
    [created] = await wait_for_events(jetstream, UserCreated.SUBJECT)
    assert isinstance(created, UserCreated)
    assert (created.email, created.display_name) == ("ada@example.com", "Ada Lovelace")
    assert created.user_id

    # Signed in at once, with a fresh session, and on the way to chat (which binds the
    # hand-off to this browser and comes back for it).
    assert response.status_code == 303
    assert response.headers["Location"] == "http://127.0.0.1:8002/sign-in?next=%2F"
    home = await (await client.get("/")).get_data(as_text=True)
    assert "You are signed in as" in home and "ada@example.com" in home


async def test_a_used_link_says_the_account_is_ready_and_offers_sign_in(
    client: Client, jetstream: JetStreamContext
) -> None:
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    path = f"/set-password?token={token_from(await _requested_link(client, jetstream))}"
    await submit(client, path, password=PASSWORD, confirm_password=PASSWORD)

    for response in (
        await client.get(path),
        await client.get(path, headers={"HX-Request": "true"}),
        await client.post(path, form={"password": PASSWORD, "confirm_password": PASSWORD}),
    ):
        # Still a refusal (the link did nothing), but the holder of the link learns the truth.
        assert response.status_code == 403
        html = await response.get_data(as_text=True)
        assert "This link was already used: your account is ready" in html
        assert 'href="/sign-in"' in html
        assert 'href="/sign-up"' not in html
        assert "Sign up again" not in html
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


async def test_a_link_that_is_not_ours_reveals_nothing_and_offers_a_new_one(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream, email="ada@example.com")
    for path in ("/set-password?token=" + "A" * 43, "/set-password"):
        response = await client.get(path)
        assert response.status_code == 403
        html = await response.get_data(as_text=True)
        assert "already used: your account is ready" not in html
        assert "invalid, has expired or was already used" in html
        assert 'href="/sign-up"' in html


async def test_unknown_and_expired_tokens_get_403(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    from auth_svc.app import create_app
    from auth_svc.settings import AuthSettings

    app = create_app(AuthSettings(**infrastructure_env | {"verification_token_ttl": 1}))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert (await client.get("/set-password?token=nonsense")).status_code == 403
        assert (await client.get("/set-password")).status_code == 403
        await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
        link = await _requested_link(client, jetstream)
        # The token lives 1 s; wait until the store itself says it expired.
        import asyncio

        path = f"/set-password?token={token_from(link)}"
        async with asyncio.timeout(5):
            while (await client.get(path)).status_code == 200:
                await asyncio.sleep(0.2)
        assert (await client.get(path)).status_code == 403


async def test_a_new_sign_up_invalidates_the_previous_link(
    client: Client, jetstream: JetStreamContext
) -> None:
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    first = await _requested_link(client, jetstream)
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    second = await _requested_link(client, jetstream, count=2)
    assert (await client.get(f"/set-password?token={token_from(first)}")).status_code == 403
    assert (await client.get(f"/set-password?token={token_from(second)}")).status_code == 200


async def test_an_existing_address_gets_the_same_page_and_a_warning_instead_of_a_link(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream, email="ada@example.com")
    known = await submit(client, "/sign-up", email="ada@example.com", display_name="Someone")
    unknown = await submit(client, "/sign-up", email="bob@example.com", display_name="Bob")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert await known.get_data() == await unknown.get_data()

    [warning] = await wait_for_events(jetstream, SignUpAttemptedForExistingAccount.SUBJECT)
    assert isinstance(warning, SignUpAttemptedForExistingAccount)
    assert warning.email == "ada@example.com"
    assert warning.display_name == "Ada"  # the account's name, not what was typed
    assert warning.reset_link == "http://127.0.0.1:8001/forgot-password"
    requested = await wait_for_events(jetstream, SignUpRequested.SUBJECT, 2)
    assert [e.email for e in requested if isinstance(e, SignUpRequested)] == [
        "ada@example.com",
        "bob@example.com",
    ]


async def test_mismatched_and_weak_passwords_are_rerendered_with_errors(
    client: Client, jetstream: JetStreamContext
) -> None:
    await submit(client, "/sign-up", email="ada@example.com", display_name="Ada")
    path = f"/set-password?token={token_from(await _requested_link(client, jetstream))}"
    cases = {
        "The two passwords do not match.": (PASSWORD, PASSWORD + "x"),
        "Use between 12 and 128 characters.": ("short", "short"),
        "This password is too common.": ("password1234", "password1234"),
    }
    for message, (password, confirm) in cases.items():
        page = await submit(client, path, password=password, confirm_password=confirm)
        fragment = await submit(
            client, path, htmx=True, password=password, confirm_password=confirm
        )
        page_html = await page.get_data(as_text=True)
        fragment_html = await fragment.get_data(as_text=True)
        assert page.status_code == fragment.status_code == 422
        assert message in page_html and message in fragment_html
        assert "<html" in page_html
        assert "<html" not in fragment_html and fragment_html.lstrip().startswith("<form")
    # Nothing was consumed: the link still works.
    assert (await client.get(path)).status_code == 200


async def test_the_display_name_field_takes_the_direction_of_its_text(client: Client) -> None:
    html = await (await client.get("/sign-up")).get_data(as_text=True)
    [display_name] = [tag for tag in html.split("<input")[1:] if 'id="display_name"' in tag]
    assert 'dir="auto"' in display_name


async def test_invalid_sign_up_input_is_a_422_not_a_500(client: Client) -> None:
    for email in ("not-an-address", "a" * 300 + "@example.com", ""):
        response = await submit(client, "/sign-up", email=email, display_name="Ada")
        assert response.status_code == 422
        assert "field-error" in await response.get_data(as_text=True)
    response = await submit(client, "/sign-up", email="ada@example.com", display_name="x" * 51)
    assert response.status_code == 422


async def test_a_sign_up_without_a_valid_csrf_token_is_refused(
    client: Client, jetstream: JetStreamContext
) -> None:
    await client.get("/sign-up")
    for form in (
        {"email": "ada@example.com", "display_name": "Ada"},
        {"email": "ada@example.com", "display_name": "Ada", "csrf_token": "forged"},
    ):
        response = await client.post("/sign-up", form=form)
        assert response.status_code == 422
        assert "Your form expired" in await response.get_data(as_text=True)
    info = await jetstream.stream_info("AUTH_EVENTS")
    assert info.state.messages == 0


async def test_check_your_inbox_names_the_address_used(client: Client) -> None:
    """Issue 37, item 21: not "that address", which one (a typo shows here)."""
    await submit(client, "/sign-up", email=" Grace@Example.com ", display_name="Grace")
    signed_up = await (await client.get("/check-your-inbox")).get_data(as_text=True)
    await submit(client, "/forgot-password", email="ada@example.com")
    reset = await (await client.get("/check-your-inbox?for=reset")).get_data(as_text=True)
    assert "We sent a message to <strong>grace@example.com</strong>" in signed_up
    assert "If an account uses <strong>ada@example.com</strong>" in reset
