"""Sign-up: ask for an address and a display name, answer "check your inbox" either way."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from auth_svc.lib.accounts import request_sign_up
from auth_svc.lib.forms import SignUpForm, validated_text
from auth_svc.lib.rate_limits import per_address_and_email
from auth_svc.lib.web import redirect_after_post, relay
from auth_svc.settings import AuthSettings
from service_kit.web import render_page


def sign_up_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("sign_up", __name__)

    @blueprint.get("/sign-up")
    async def sign_up_page() -> ResponseReturnValue:
        return await render_page("sign_up.html", form=await SignUpForm.from_request())

    @blueprint.post("/sign-up")
    @rate_limit(
        limits=per_address_and_email(settings, settings.sign_up_per_ip, settings.sign_up_per_email)
    )
    async def sign_up() -> ResponseReturnValue:
        form = await SignUpForm.from_request()
        if not form.validate():
            return await render_page("sign_up.html", block="form", status=422, form=form)
        await request_sign_up(
            settings, relay(), validated_text(form.email), validated_text(form.display_name)
        )
        return redirect_after_post("/check-your-inbox")

    @blueprint.get("/check-your-inbox")
    async def check_inbox() -> ResponseReturnValue:
        return await render_page("check_inbox.html")

    return blueprint
