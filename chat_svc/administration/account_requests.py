"""chat's calls to auth_svc's internal API for administrators (docs/contracts.md): the join
code, and an account's role and activation. Errors surface as AuthUnavailableError (503)."""

from __future__ import annotations

from typing import Any

import httpx

from chat_svc.auth.auth_client import AuthUnavailableError
from chat_svc.services import services_of


async def call_auth(path: str, payload: dict[str, str] | None = None) -> httpx.Response:
    try:
        response = await services_of().auth.http.post(path, json=payload or {})
    except httpx.HTTPError as error:
        raise AuthUnavailableError(f"{path}: {type(error).__name__}") from error
    if response.status_code not in (200, 204, 400, 404):
        raise AuthUnavailableError(f"{path}: HTTP {response.status_code}")
    return response


async def join_link(regenerate: bool = False) -> str:
    """The team's join link; ``regenerate`` replaces its code (the old one dies at once)."""
    response = await call_auth("/internal/join-code" + ("/regenerate" if regenerate else ""))
    body: dict[str, Any] = response.json()
    return f"{body['join_url']}{body['code']}"


async def set_account_role(user_id: str, role: str) -> bool:
    """False when auth has no such account."""
    response = await call_auth(f"/internal/people/{user_id}/role", {"role": role})
    return response.status_code == 204


async def set_account_active(user_id: str, active: bool) -> bool:
    """Deactivation revokes every session at auth (SessionRevoked ends the streams)."""
    verb = "reactivate" if active else "deactivate"
    response = await call_auth(f"/internal/people/{user_id}/{verb}")
    return response.status_code == 204


async def invite_by_email(email: str, display_name: str) -> bool:
    """Have auth mail a sign-up link (once, with an expiry) to ``email``; False when auth
    finds the address or the name unacceptable."""
    response = await call_auth(
        "/internal/invitations", {"email": email, "display_name": display_name}
    )
    return response.status_code == 204
