"""``POST /internal/people/<user_id>/{role,deactivate,reactivate}``: asked by chat_svc for
its administrators (chat checks the asker's role; auth trusts only chat's service secret)."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_exempt

from auth_svc.administration.account_status import change_role, deactivate, reactivate
from auth_svc.blueprints.internal import require_service_secret
from auth_svc.lib.web import relay
from auth_svc.settings import AuthSettings
from service_kit.people.roles import ROLES


def _answer(found: bool) -> ResponseReturnValue:
    return ("", 204) if found else ({"error": "no_such_account"}, 404)


def account_status_api(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("account_status_api", __name__, url_prefix="/internal/people")
    require_service_secret(blueprint, settings)

    @blueprint.post("/<user_id>/role")
    @rate_exempt
    async def role(user_id: str) -> ResponseReturnValue:
        body = await request.get_json(force=True, silent=True)
        wanted = body.get("role") if isinstance(body, dict) else None
        if wanted not in ROLES:
            return {"error": "invalid_role"}, 400
        return _answer(await change_role(relay(), user_id, str(wanted)))

    @blueprint.post("/<user_id>/deactivate")
    @rate_exempt
    async def deactivate_account(user_id: str) -> ResponseReturnValue:
        return _answer(await deactivate(relay(), user_id))

    @blueprint.post("/<user_id>/reactivate")
    @rate_exempt
    async def reactivate_account(user_id: str) -> ResponseReturnValue:
        return _answer(await reactivate(relay(), user_id))

    return blueprint
