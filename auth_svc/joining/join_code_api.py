"""The join code for chat's administration page, on the internal API (chat checks that
the asker is an administrator; auth only trusts chat's service secret)."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_exempt

from auth_svc.blueprints.internal import require_service_secret
from auth_svc.joining.join_codes import current_join_code, regenerate_join_code
from auth_svc.settings import AuthSettings


def join_code_api(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("join_code_api", __name__, url_prefix="/internal/join-code")
    require_service_secret(blueprint, settings)

    @blueprint.post("")
    @rate_exempt
    async def show() -> ResponseReturnValue:
        return {"code": await current_join_code(), "join_url": settings.public_url + "/join/"}

    @blueprint.post("/regenerate")
    @rate_exempt
    async def regenerate() -> ResponseReturnValue:
        return {"code": await regenerate_join_code(), "join_url": settings.public_url + "/join/"}

    return blueprint
