"""``POST /internal/people/<user_id>/display-name``: the name a person chose on chat's
profile page (chat checked it is their own session and applied today's name rules; auth
checks the rules again, since the account keeps the name for e-mails and token checks)."""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_exempt

from auth_svc.blueprints.internal import require_service_secret
from auth_svc.lib.forms import DISPLAY_NAME_MAX_LENGTH
from auth_svc.lib.web import relay
from auth_svc.models.outbox import ChangeDisplayName
from auth_svc.models.users import select_user_by_id
from auth_svc.settings import AuthSettings
from service_kit.people.display_names import clean_display_name, name_problem


def display_name_api(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("display_name_api", __name__, url_prefix="/internal/people")
    require_service_secret(blueprint, settings)

    @blueprint.post("/<user_id>/display-name")
    @rate_exempt
    async def change(user_id: str) -> ResponseReturnValue:
        body = await request.get_json(force=True, silent=True)
        raw = body.get("display_name") if isinstance(body, dict) else None
        name = clean_display_name(raw) if isinstance(raw, str) else ""
        if not name or len(name) > DISPLAY_NAME_MAX_LENGTH or name_problem(name):
            return {"error": "invalid_display_name"}, 400
        if await select_user_by_id(user_id) is None:
            return {"error": "no_such_account"}, 404
        await relay().commit([ChangeDisplayName(user_id=user_id, display_name=name)], [])
        return "", 204

    return blueprint
