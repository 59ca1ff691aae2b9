"""``POST /internal/invitations``: an administrator invites someone by e-mail (chat checks
the role). The invitation IS the sign-up e-mail, sent whatever the sign-up mode: its
set-password link works once and expires with ``AUTH_VERIFICATION_TOKEN_TTL``, and an
address that already has an account gets the usual "you already have an account" e-mail
instead (the administrator learns nothing either way)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from quart import Blueprint, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_exempt

from auth_svc.blueprints.internal import require_service_secret
from auth_svc.lib.accounts import request_sign_up
from auth_svc.lib.forms import DISPLAY_NAME_MAX_LENGTH, EMAIL_MAX_LENGTH
from auth_svc.lib.web import relay
from auth_svc.settings import AuthSettings
from service_kit.people.display_names import clean_display_name, name_problem
from service_kit.people.email_addresses import normalise_email


def _deliverable_form(email: str) -> bool:
    """The address as the sign-up form accepts it (no DNS look-up)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def invitations_api(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("invitations_api", __name__, url_prefix="/internal/invitations")
    require_service_secret(blueprint, settings)

    @blueprint.post("")
    @rate_exempt
    async def invite() -> ResponseReturnValue:
        body = await request.get_json(force=True, silent=True)
        fields = body if isinstance(body, dict) else {}
        email, name = fields.get("email"), fields.get("display_name")
        if not isinstance(email, str) or not isinstance(name, str):
            return {"error": "invalid_invitation"}, 400
        email, name = normalise_email(email), clean_display_name(name)
        valid_email = len(email) <= EMAIL_MAX_LENGTH and _deliverable_form(email)
        valid_name = 0 < len(name) <= DISPLAY_NAME_MAX_LENGTH and not name_problem(name)
        if not (valid_email and valid_name):
            return {"error": "invalid_invitation"}, 400
        await request_sign_up(settings, relay(), email, name)
        return "", 204

    return blueprint
