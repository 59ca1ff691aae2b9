"""Sign-up: ask for an address and a display name, answer "check your inbox" either way."""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint
from quart import session as form_session
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from auth_svc.joining.join_pages import join_code_of_visitor, sign_up_refused
from auth_svc.joining.sign_up_policy import may_sign_up
from auth_svc.lib.accounts import request_sign_up
from auth_svc.lib.forms import SignUpForm, validated_text
from auth_svc.lib.rate_limits import client_address_key
from auth_svc.lib.web import (
    INBOX_KEY,
    attempt_limiter,
    client_address,
    redirect_after_post,
    refuse_if_limited,
    relay,
    remember_inbox,
)
from auth_svc.settings import AuthSettings
from service_kit.serving.web import render_page


def sign_up_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("sign_up", __name__)

    @blueprint.get("/sign-up")
    async def sign_up_page() -> ResponseReturnValue:
        if not await may_sign_up(settings, None, join_code_of_visitor()):
            return await sign_up_refused(settings)
        return await render_page("sign_up.html", form=await SignUpForm.from_request())

    @blueprint.post("/sign-up")
    @rate_limit(
        settings.sign_up_per_ip,
        timedelta(seconds=settings.rate_limit_window),
        key_function=client_address_key,
    )
    async def sign_up() -> ResponseReturnValue:
        form = await SignUpForm.from_request()
        if not form.validate():
            return await render_page("sign_up.html", block="form", status=422, form=form)
        email = validated_text(form.email)
        if not await may_sign_up(settings, email, join_code_of_visitor()):
            return await sign_up_refused(settings)
        # Counted once the form is valid: CSRF-less or invalid posts block nobody's sign-up.
        await refuse_if_limited(settings.sign_up_limit, email)
        await attempt_limiter().record(settings.sign_up_limit, email, client_address())
        await request_sign_up(settings, relay(), email, validated_text(form.display_name))
        remember_inbox(email)
        return redirect_after_post("/check-your-inbox")

    @blueprint.get("/check-your-inbox")
    async def check_inbox() -> ResponseReturnValue:
        return await render_page("check_inbox.html", address=form_session.get(INBOX_KEY))

    return blueprint
