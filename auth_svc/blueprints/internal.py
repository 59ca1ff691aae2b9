"""The internal API chat_svc calls server-to-server (docs/contracts.md). Never runs argon2.

Served only on the internal listener (lib/internal_listener.py)."""

from __future__ import annotations

import hmac
from typing import Any

from quart import Blueprint, abort, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_exempt

from auth_svc.lib.internal_listener import from_internal_listener
from auth_svc.lib.sessions import (
    ActiveSession,
    check_token,
    end_every_session,
    end_session,
    redeem_handoff,
)
from auth_svc.lib.web import relay
from auth_svc.settings import AuthSettings

TOKEN_MAX_LENGTH = 100


def _describe(session: ActiveSession) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "user_id": session.user_id,
        "email": session.email,
        "display_name": session.display_name,
    }


def require_service_secret(blueprint: Blueprint, settings: AuthSettings) -> None:
    """Every route of ``blueprint`` answers only chat on the internal listener."""
    expected = f"Bearer {settings.service_secret}".encode()

    @blueprint.before_request
    async def _require_service_secret() -> ResponseReturnValue | None:
        if not from_internal_listener():  # the public listener: as if nothing were here
            abort(404)
        presented = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(presented, expected):
            return {"error": "unauthorized"}, 401
        return None


def internal_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("internal", __name__, url_prefix="/internal")
    require_service_secret(blueprint, settings)

    async def _string_field(name: str) -> str | None:
        body = await request.get_json(force=True, silent=True)
        value = body.get(name) if isinstance(body, dict) else None
        if not isinstance(value, str) or not 0 < len(value) <= TOKEN_MAX_LENGTH:
            return None
        return value

    @blueprint.post("/handoff/redeem")
    @rate_exempt
    async def handoff_redeem() -> ResponseReturnValue:
        code = await _string_field("code")
        redeemed = await redeem_handoff(settings, code) if code else None
        if redeemed is None:
            return {"error": "invalid_code"}, 404
        token, session = redeemed
        return {"access_token": token, **_describe(session)}, 200

    @blueprint.post("/token-check")
    @rate_exempt
    async def token_check() -> ResponseReturnValue:
        token = await _string_field("token")
        session = await check_token(settings, token) if token else None
        if session is None:
            return {"valid": False}, 200
        return {"valid": True, **_describe(session), "expires_at": session.expires_at.isoformat()}

    @blueprint.post("/sessions/revoke")
    @rate_exempt
    async def revoke() -> ResponseReturnValue:
        token = await _string_field("token")
        if token:
            await end_session(settings, relay(), token)
        return "", 204

    @blueprint.post("/sessions/revoke-all")
    @rate_exempt
    async def revoke_all() -> ResponseReturnValue:
        """Sign out on every device, asked from the chat page with that page's token."""
        token = await _string_field("token")
        if token:
            await end_every_session(settings, relay(), token)
        return "", 204

    return blueprint
