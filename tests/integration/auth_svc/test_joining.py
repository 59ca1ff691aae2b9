"""Who may join (issue 35): invite and domain modes, the join link, the first administrator
and ``just admin``."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import pytest
from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from auth_svc.models.users import select_user_by_email
from auth_svc.settings import AuthSettings, SignUpMode
from service_kit.events import SignUpRequested, UserCreated, UserRoleChanged
from service_kit.settings import AppEnv
from tests.integration.auth_svc.conftest import (
    INTERNAL_SCOPE,
    PASSWORD,
    csrf_token,
    link_of,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}
INVITE: dict[str, Any] = {"sign_up_mode": "invite"}
DOMAINS: dict[str, Any] = {"sign_up_mode": "domains", "sign_up_domains": "example.com, @Team.org"}


@pytest.fixture
def auth_settings(
    infrastructure_env: dict[str, Any], request: pytest.FixtureRequest
) -> AuthSettings:
    return AuthSettings(**infrastructure_env, **getattr(request, "param", INVITE))


async def _ask_sign_up(client: Client, email: str) -> Any:
    """POST the sign-up form; its CSRF token comes from a page every visitor may open."""
    token = await csrf_token(client, "/forgot-password")
    form = {"csrf_token": token, "email": email, "display_name": "Someone"}
    return await client.post("/sign-up", form=form)


async def _join_code(client: Client, regenerate: bool = False) -> str:
    path = "/internal/join-code" + ("/regenerate" if regenerate else "")
    response = await client.post(path, headers=SECRET, scope_base=INTERNAL_SCOPE)
    assert response.status_code == 200
    body = await response.get_json()
    assert body["join_url"] == "http://127.0.0.1:8001/join/"
    return str(body["code"])


async def _just_admin(settings: AuthSettings, email: str) -> int:
    """``just admin <email>`` as an operator runs it: its own process, this database."""
    env = os.environ | {
        "MONGODB_URL": settings.mongodb_url,
        "MONGODB_DATABASE": settings.mongodb_database,
    }
    command = [sys.executable, "-m", "auth_svc.joining.make_admin", email]
    process = await asyncio.create_subprocess_exec(*command, env=env)
    return await process.wait()


async def _sign_up_requests(js: JetStreamContext, count: int) -> list[str]:
    events = await wait_for_events(js, SignUpRequested.SUBJECT, count)
    return [str(event.email) for event in events if isinstance(event, SignUpRequested)]


async def test_invite_mode_first_account_is_admin_then_only_the_current_join_link_works(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream, email="first@example.com")  # no code: the install is empty
    [created] = await wait_for_events(jetstream, UserCreated.SUBJECT)
    assert isinstance(created, UserCreated) and created.role == "admin"

    refused = await _ask_sign_up(client, "second@example.com")
    assert refused.status_code == 403
    assert "by invitation" in await refused.get_data(as_text=True)
    assert (await client.get("/sign-up")).status_code == 403
    # Same page for an address with an account: the refusal says nothing about accounts.
    existing = await _ask_sign_up(client, "first@example.com")
    assert await existing.get_data() == await refused.get_data()

    code = await _join_code(client)
    assert await _join_code(client) == code  # stable until regenerated
    joined = await client.get(f"/join/{code}")
    assert (joined.status_code, joined.headers["Location"]) == (303, "/sign-up")
    assert (await client.get("/sign-up")).status_code == 200
    assert (await _ask_sign_up(client, "second@example.com")).status_code == 303

    new_code = await _join_code(client, regenerate=True)
    assert new_code != code
    # This browser still holds the old code: refused at once, like the old link itself.
    assert (await _ask_sign_up(client, "third@example.com")).status_code == 403
    assert (await client.get(f"/join/{code}")).status_code == 403
    assert (await client.get(f"/join/{new_code}")).status_code == 303
    assert (await _ask_sign_up(client, "third@example.com")).status_code == 303
    assert await _sign_up_requests(jetstream, 3) == [
        "first@example.com",
        "second@example.com",
        "third@example.com",
    ]


@pytest.mark.parametrize("auth_settings", [DOMAINS], indirect=True)
async def test_domain_mode_admits_listed_domains_alone(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream, email="first@elsewhere.net")  # empty install: any address
    assert (await _ask_sign_up(client, "ann@example.com")).status_code == 303
    assert (await _ask_sign_up(client, "bob@TEAM.org")).status_code == 303
    refused = await _ask_sign_up(client, "eve@elsewhere.net")
    assert refused.status_code == 403
    assert "example.com, team.org" in await refused.get_data(as_text=True)
    [created] = await wait_for_events(jetstream, UserCreated.SUBJECT)
    assert isinstance(created, UserCreated) and created.role == "admin"
    await sign_up(client, jetstream, email="cy@example.com")
    [_, second] = await wait_for_events(jetstream, UserCreated.SUBJECT, count=2)
    assert isinstance(second, UserCreated) and second.role == "member"


@pytest.mark.parametrize("auth_settings", [{"sign_up_mode": "open"}], indirect=True)
async def test_just_admin_makes_an_administrator_and_tells_chat(
    client: Client, jetstream: JetStreamContext, auth_settings: AuthSettings
) -> None:
    await sign_up(client, jetstream, email="first@example.com")
    await sign_up(client, jetstream, email="member@example.com")
    member = await select_user_by_email("member@example.com")
    assert member is not None and member.role == "member"
    assert await _just_admin(auth_settings, "nobody@example.com") == 1
    assert await _just_admin(auth_settings, " Member@Example.com ") == 0
    [changed] = await wait_for_events(jetstream, UserRoleChanged.SUBJECT)
    assert isinstance(changed, UserRoleChanged)
    assert (changed.user_id, changed.role) == (member.id, "admin")


def test_sign_up_mode_defaults_to_invite_in_production_and_open_elsewhere() -> None:
    assert AuthSettings(app_env=AppEnv.TEST).effective_sign_up_mode is SignUpMode.OPEN
    with pytest.raises(ValueError, match="AUTH_SIGN_UP_DOMAINS"):
        AuthSettings(sign_up_mode=SignUpMode.DOMAINS)


async def test_an_invitation_mails_a_single_use_sign_up_link_even_in_invite_mode(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream, email="first@example.com")
    invite = {"email": " Guest@Example.com ", "display_name": "Guest"}
    response = await client.post(
        "/internal/invitations", json=invite, headers=SECRET, scope_base=INTERNAL_SCOPE
    )
    assert response.status_code == 204
    for refused in ({"email": "nope", "display_name": "Guest"}, {"email": "a@b.co"}):
        answer = await client.post(
            "/internal/invitations", json=refused, headers=SECRET, scope_base=INTERNAL_SCOPE
        )
        assert answer.status_code == 400
    assert await _sign_up_requests(jetstream, 2) == ["first@example.com", "guest@example.com"]
    [_, invited] = await wait_for_events(jetstream, SignUpRequested.SUBJECT, 2)
    assert isinstance(invited, SignUpRequested)
    path = f"/set-password?token={token_from(link_of(invited))}"
    set_password = await submit(client, path, password=PASSWORD, confirm_password=PASSWORD)
    assert set_password.status_code == 303
    assert (await client.get(path)).status_code == 403  # once only
