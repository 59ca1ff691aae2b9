"""Sign-in (then the hand-off to chat_svc), sign-out, sign-out everywhere, the start page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from quart import Blueprint, request
from quart import session as form_session  # Quart's cookie session: only the CSRF secret
from quart.typing import ResponseReturnValue
from quart_auth import AuthUser, login_user, logout_user

from auth_svc.lib.form_pages import CachedFormPage
from auth_svc.lib.forms import SignInForm, SignOutForm, validated_text
from auth_svc.lib.sessions import (
    end_every_session,
    end_session,
    new_handoff_code,
    peek_token,
    sign_in,
)
from auth_svc.lib.web import (
    attempt_limiter,
    client_address,
    cookie_token,
    hashing,
    redirect_after_post,
    refuse_for,
    relay,
    sign_in_gate,
    whole_page_error,
)
from auth_svc.settings import AuthSettings
from service_kit.people.sign_in_state import valid_sign_in_state
from service_kit.serving.request_safety import safe_next_path
from service_kit.serving.web import render_page

NOTICES = {
    "password-set": "Your password is set and your account is ready. Sign in to start chatting.",
    "password-changed": "Your password was changed and every session was signed out. "
    "Sign in with the new password.",
    "account-exists": "This address already has an account. Sign in, or reset the password.",
    "signed-out": "You are signed out.",
    "signed-out-everywhere": "You are signed out on every device.",
    # chat's page, signed out by its stream (web_templates/static/js/stream-orders.js).
    "signed-out-elsewhere": "You were signed out from another device (or your password was "
    "changed). Sign in again to go on.",
}
BAD_CREDENTIALS = "Wrong e-mail address or password."


def sign_in_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("sign_in", __name__)
    form_page = CachedFormPage("sign_in.html")

    @blueprint.get("/")
    async def home() -> ResponseReturnValue:
        token = cookie_token()
        active = await peek_token(settings, token) if token else None
        return await render_page(
            "home.html",
            session=active,
            sign_out_form=await SignOutForm.from_request(),
            chat_url=settings.chat_public_url,
        )

    def hand_off(code: str, state: str) -> ResponseReturnValue:
        # Chat redeems the code only in the browser holding ``state`` in its cookie.
        query = urlencode({"code": code, "next": _next_path(), "state": state})
        return redirect_after_post(f"{settings.chat_public_url}/session/start?{query}")

    def bind_at_chat() -> ResponseReturnValue:
        # No state (the person came to auth directly): chat's /sign-in makes one and sends
        # the browser back here, where the session below hands off without a password.
        query = urlencode({"next": _next_path()})
        return redirect_after_post(f"{settings.chat_public_url}/sign-in?{query}")

    @blueprint.get("/sign-in")
    async def sign_in_page() -> ResponseReturnValue:
        token, state = cookie_token(), _state()
        if token and state:
            code = await new_handoff_code(settings, token)
            if code is not None:
                return hand_off(code, state)
        notice = NOTICES.get(request.args.get("notice", ""))
        return await form_page.render(await SignInForm.from_request(), _page()["action"], notice)

    @blueprint.post("/sign-in")
    async def sign_in_submit() -> ResponseReturnValue:
        form = await SignInForm.from_request()
        gate = sign_in_gate(settings)
        if not form.validate():
            # Not an attempt on an account, but it counts against the address.
            refuse_for((await gate.admit(client_address())).retry_after)
            return await render_page("sign_in.html", block="form", status=422, form=form, **_page())
        email = validated_text(form.email)
        admission = await gate.admit(
            client_address(), email, settings.sign_in_limit, (settings.forgot_password_limit,)
        )
        refuse_for(admission.retry_after)
        signed_in = await sign_in(
            settings,
            relay(),
            hashing(),
            email,
            validated_text(form.password),
            user_agent=request.headers.get("User-Agent", ""),
            ip_address=client_address(),
        )
        if signed_in is None:
            await attempt_limiter().record(settings.sign_in_limit, email, client_address())
            form.form_errors.append(BAD_CREDENTIALS)
            return await render_page("sign_in.html", block="form", status=401, form=form, **_page())
        if admission.has_attempts_to_forget:
            await attempt_limiter().forget_client(
                email, client_address(), settings.sign_in_limit, settings.forgot_password_limit
            )
        # A new CSRF secret with the new session: a token from a page seen before signing
        # in (perhaps by someone else on this browser) no longer works.
        form_session.clear()
        login_user(AuthUser(signed_in.access_token))
        state = _state()
        return hand_off(signed_in.handoff_code, state) if state else bind_at_chat()

    async def _valid_sign_out_form() -> bool:
        valid: bool = (await SignOutForm.from_request()).validate()
        return valid

    @blueprint.post("/sign-out")
    async def sign_out() -> ResponseReturnValue:
        if not await _valid_sign_out_form():
            return await _expired_form()
        token = cookie_token()
        if token:
            await end_session(settings, relay(), token)
        logout_user()
        form_session.clear()
        return redirect_after_post("/sign-in?notice=signed-out")

    @blueprint.post("/sign-out-everywhere")
    async def sign_out_everywhere() -> ResponseReturnValue:
        if not await _valid_sign_out_form():
            return await _expired_form()
        token = cookie_token()
        if token:
            await end_every_session(settings, relay(), token)
        logout_user()
        form_session.clear()
        return redirect_after_post("/sign-in?notice=signed-out-everywhere")

    return blueprint


def _next_path() -> str:
    """The chat page to return to after signing in (a path on chat's site, never a URL)."""
    return safe_next_path(request.args.get("next"))


def _state() -> str | None:
    """The state chat bound to the browser (carried through, never interpreted here)."""
    return valid_sign_in_state(request.args.get("state"))


def _page() -> dict[str, Any]:
    """The sign-in form posts back to the same query: where to go next, and the state."""
    query = {"next": _next_path()} | ({"state": state} if (state := _state()) else {})
    action = "/sign-in" if query == {"next": "/"} else f"/sign-in?{urlencode(query)}"
    return {"next_path": query["next"], "action": action}


async def _expired_form() -> ResponseReturnValue:
    return await whole_page_error(
        400, "Your form expired. Go back, reload the page and try again.", "errors/error.html"
    )
