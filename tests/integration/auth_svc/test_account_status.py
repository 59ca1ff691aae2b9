"""Deactivation, reactivation and role changes through the internal API (issue 35)."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from auth_svc.blueprints.sign_in import BAD_CREDENTIALS
from auth_svc.models.users import select_user_by_email
from service_kit.events import SessionRevoked, UserRoleChanged
from tests.integration.auth_svc.conftest import (
    INTERNAL_SCOPE,
    PASSWORD,
    STATE,
    sign_in,
    sign_up,
    submit,
    wait_for_events,
)

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}


async def _internal(client: Client, path: str, **body: Any) -> Any:
    return await client.post(path, json=body, headers=SECRET, scope_base=INTERNAL_SCOPE)


async def test_deactivation_revokes_every_session_refuses_sign_in_and_reactivation_restores(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    user = await select_user_by_email("ada@example.com")
    assert user is not None
    redeemed = await _internal(client, "/internal/handoff/redeem", code=await sign_in(client))
    token = (await redeemed.get_json())["access_token"]
    client.delete_cookie("localhost", "auth_session")

    assert (await _internal(client, f"/internal/people/{user.id}/deactivate")).status_code == 204
    revoked = await wait_for_events(jetstream, SessionRevoked.SUBJECT, count=2)
    assert {event.user_id for event in revoked if isinstance(event, SessionRevoked)} == {user.id}
    check = await _internal(client, "/internal/token-check", token=token)
    assert (await check.get_json()) == {"valid": False}

    # The right password hears what a wrong one hears: nothing about the account's state.
    refused = await submit(client, f"/sign-in?state={STATE}", email=user.email, password=PASSWORD)
    wrong = await submit(client, f"/sign-in?state={STATE}", email=user.email, password="x" * 12)
    assert refused.status_code == wrong.status_code == 401
    assert BAD_CREDENTIALS in await refused.get_data(as_text=True)
    assert BAD_CREDENTIALS in await wrong.get_data(as_text=True)

    assert (await _internal(client, f"/internal/people/{user.id}/reactivate")).status_code == 204
    assert await sign_in(client)  # the same password works again, no new sign-up
    missing = await _internal(client, "/internal/people/nobody/deactivate")
    assert missing.status_code == 404


async def test_a_role_change_is_stored_and_announced(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    user = await select_user_by_email("ada@example.com")
    assert user is not None and user.role == "admin"  # the install's first account
    bad = await _internal(client, f"/internal/people/{user.id}/role", role="owner")
    assert bad.status_code == 400
    changed = await _internal(client, f"/internal/people/{user.id}/role", role="member")
    assert changed.status_code == 204
    [event] = await wait_for_events(jetstream, UserRoleChanged.SUBJECT)
    assert isinstance(event, UserRoleChanged) and (event.user_id, event.role) == (user.id, "member")
    stored = await select_user_by_email("ada@example.com")
    assert stored is not None and stored.role == "member"


async def test_a_new_display_name_is_checked_and_kept_on_the_account(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    user = await select_user_by_email("ada@example.com")
    assert user is not None
    path = f"/internal/people/{user.id}/display-name"
    for refused in ("", "Ada\u202eevil", "x" * 51):
        assert (await _internal(client, path, display_name=refused)).status_code == 400
    assert (await _internal(client, path, display_name=" Ada L. ")).status_code == 204
    stored = await select_user_by_email("ada@example.com")
    assert stored is not None and stored.display_name == "Ada L."
    missing = "/internal/people/nobody/display-name"
    assert (await _internal(client, missing, display_name="Ada")).status_code == 404
