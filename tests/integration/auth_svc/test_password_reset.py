"""Forgot password and the reset page: same answer for every address, sessions end."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from service_kit.events import PasswordChanged, PasswordResetRequested, SessionRevoked
from tests.integration.auth_svc.conftest import (
    INTERNAL_SCOPE,
    PASSWORD,
    link_of,
    sign_in,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}
NEW_PASSWORD = "a brand new passphrase"


async def _reset_link(client: Client, js: JetStreamContext) -> str:
    response = await submit(client, "/forgot-password", email="ada@example.com")
    assert response.status_code == 303
    [event] = await wait_for_events(js, PasswordResetRequested.SUBJECT)
    assert isinstance(event, PasswordResetRequested)
    return link_of(event)


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    known = await submit(client, "/forgot-password", email="ada@example.com")
    unknown = await submit(client, "/forgot-password", email="nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert await known.get_data() == await unknown.get_data()
    [event] = await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)
    assert isinstance(event, PasswordResetRequested) and event.email == "ada@example.com"
    assert link_of(event).startswith("http://127.0.0.1:8001/reset-password?token=")


async def test_reset_changes_the_password_and_revokes_every_session(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    redeemed = await client.post(
        "/internal/handoff/redeem",
        json={"code": await sign_in(client)},
        headers=SECRET,
        scope_base=INTERNAL_SCOPE,
    )
    session: dict[str, Any] = await redeemed.get_json()
    path = f"/reset-password?token={token_from(await _reset_link(client, jetstream))}"
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"

    mismatch = await submit(client, path, htmx=True, password=NEW_PASSWORD, confirm_password="x")
    assert mismatch.status_code == 422
    assert "do not match" in await mismatch.get_data(as_text=True)

    response = await submit(client, path, password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?notice=password-changed"

    check = await client.post(
        "/internal/token-check",
        json={"token": session["access_token"]},
        headers=SECRET,
        scope_base=INTERNAL_SCOPE,
    )
    assert await check.get_json() == {"valid": False}
    [changed] = await wait_for_events(jetstream, PasswordChanged.SUBJECT)
    assert isinstance(changed, PasswordChanged) and changed.user_id == session["user_id"]
    assert changed.reset_link == "http://127.0.0.1:8001/forgot-password"
    # With the session choosing the password began (sign_up).
    revoked = await wait_for_events(jetstream, SessionRevoked.SUBJECT, 2)
    assert session["session_id"] in {e.session_id for e in revoked if isinstance(e, SessionRevoked)}

    old = await submit(client, "/sign-in", email="ada@example.com", password=PASSWORD)
    assert old.status_code == 401
    await sign_in(client, password=NEW_PASSWORD)
    assert (await client.get(path)).status_code == 403  # the link worked once


async def test_a_bad_reset_token_gets_403_with_a_way_to_ask_again(client: Client) -> None:
    for response in (
        await client.get("/reset-password?token=nope"),
        await client.post("/reset-password?token=nope", form={"password": NEW_PASSWORD}),
    ):
        assert response.status_code == 403
        assert 'href="/forgot-password"' in await response.get_data(as_text=True)
