"""Pages reached from mailed links (set password, reset password) and "forgot password".

The token travels in the query string of the mailed link and of the form's action; these
pages answer ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from quart import Blueprint, Response, request
from quart import session as form_session  # Quart's cookie session: only the CSRF secret
from quart.typing import ResponseReturnValue
from quart_auth import AuthUser, login_user
from quart_rate_limiter import rate_limit

from auth_svc.lib.accounts import (
    Outcome,
    complete_password_reset,
    complete_sign_up,
    request_password_reset,
)
from auth_svc.lib.forms import ForgotPasswordForm, NewPasswordForm, validated_text
from auth_svc.lib.passwords import resembles_account
from auth_svc.lib.rate_limits import client_address_key
from auth_svc.lib.sessions import sign_in
from auth_svc.lib.tokens import hash_token
from auth_svc.lib.web import (
    attempt_limiter,
    client_address,
    hashing,
    no_store,
    redirect_after_post,
    refuse_if_limited,
    relay,
    remember_inbox,
    whole_page_error,
)
from auth_svc.models.mailed_tokens import (
    select_spent_sign_up,
    select_usable_password_reset,
    select_usable_sign_up,
)
from auth_svc.models.users import select_user_by_email, select_user_by_id
from auth_svc.settings import AuthSettings
from service_kit.serving.web import render_page, run_after_response

RESEMBLES_ACCOUNT = "This password is too close to your e-mail address or name."
TOKEN_MAX_LENGTH = 100  # ours are 43 characters; anything much longer is not one of ours

SET_PASSWORD = {
    "template": "set_password.html",
    "action": "/set-password",
    "retry_url": "/sign-up",
    "retry_label": "Sign up again to get a new link",
}
RESET_PASSWORD = {
    "template": "reset_password.html",
    "action": "/reset-password",
    "retry_url": "/forgot-password",
    "retry_label": "Ask for a new reset link",
}


def _token() -> str:
    return request.args.get("token", "")[:TOKEN_MAX_LENGTH]


async def _bad_token(page: dict[str, str]) -> ResponseReturnValue:
    if page is SET_PASSWORD and await _account_ready_for(_token()):
        return await whole_page_error(
            403,
            "You already chose a password with this link. Sign in with it to start chatting.",
            template="token_invalid.html",
            title="This link was already used: your account is ready",
            retry_url="/sign-in",
            retry_label="Sign in",
        )
    return await whole_page_error(
        403,
        "This link is invalid, has expired or was already used. Links work once, "
        "and only for a limited time.",
        template="token_invalid.html",
        title="This link no longer works",
        retry_url=page["retry_url"],
        retry_label=page["retry_label"],
    )


async def _account_ready_for(token: str) -> bool:
    """Whether this sign-up link already created its account. Only the holder of the link
    (a 256-bit token) can ask, so the answer tells a stranger nothing; still a 403, since
    the link itself did nothing this time."""
    if not token:
        return False
    spent = await select_spent_sign_up(hash_token(token))
    return spent is not None and await select_user_by_email(spent.id) is not None


def _acceptable(form: NewPasswordForm, email: str, display_name: str) -> bool:
    """The form's own checks, then one that needs the account: not like its address or name."""
    if not form.validate():
        return False
    if resembles_account(validated_text(form.password), email, display_name):
        form.password.errors = [RESEMBLES_ACCOUNT]
        return False
    return True


async def sign_in_after_sign_up(
    settings: AuthSettings, email: str, password: str
) -> ResponseReturnValue:
    """The new account is signed in at once, like a sign-in with that password: a fresh
    session and CSRF secret, then chat binds the hand-off to this browser (bind_at_chat).
    Should the sign-in fail (the store away a moment), the sign-in page says the password
    is set."""
    signed_in = await sign_in(
        settings,
        relay(),
        hashing(),
        email,
        password,
        user_agent=request.headers.get("User-Agent", ""),
        ip_address=client_address(),
    )
    if signed_in is None:
        return redirect_after_post("/sign-in?notice=password-set")
    form_session.clear()
    login_user(AuthUser(signed_in.access_token))
    query = urlencode({"next": "/"})
    return redirect_after_post(f"{settings.chat_public_url}/sign-in?{query}")


def passwords_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("passwords", __name__)

    @blueprint.after_request
    async def _token_headers(response: Response) -> Response:
        if request.endpoint in {
            "passwords.set_password_page",
            "passwords.set_password",
            "passwords.reset_password_page",
            "passwords.reset_password",
        }:
            return no_store(response)
        return response

    @blueprint.get("/set-password")
    async def set_password_page() -> ResponseReturnValue:
        token = _token()
        sign_up = await select_usable_sign_up(hash_token(token)) if token else None
        if sign_up is None:
            return await _bad_token(SET_PASSWORD)
        form = await NewPasswordForm.from_request()
        return await render_page(SET_PASSWORD["template"], form=form, token=token, email=sign_up.id)

    @blueprint.post("/set-password")
    async def set_password() -> ResponseReturnValue:
        token = _token()
        sign_up = await select_usable_sign_up(hash_token(token)) if token else None
        if sign_up is None:
            return await _bad_token(SET_PASSWORD)
        form = await NewPasswordForm.from_request()
        if not _acceptable(form, sign_up.id, sign_up.display_name):
            return await render_page(
                SET_PASSWORD["template"],
                block="form",
                status=422,
                form=form,
                token=token,
                email=sign_up.id,
            )
        password = validated_text(form.password)
        outcome = await complete_sign_up(relay(), hashing(), token, password)
        if outcome is Outcome.BAD_TOKEN:
            return await _bad_token(SET_PASSWORD)
        if outcome is Outcome.ACCOUNT_EXISTS:
            return redirect_after_post("/sign-in?notice=account-exists")
        return await sign_in_after_sign_up(settings, sign_up.id, password)

    @blueprint.get("/forgot-password")
    async def forgot_password_page() -> ResponseReturnValue:
        form = await ForgotPasswordForm.from_request()
        return await render_page("forgot_password.html", form=form)

    @blueprint.post("/forgot-password")
    @rate_limit(
        settings.forgot_password_per_ip,
        timedelta(seconds=settings.rate_limit_window),
        key_function=client_address_key,
    )
    async def forgot_password() -> ResponseReturnValue:
        form = await ForgotPasswordForm.from_request()
        if not form.validate():
            return await render_page("forgot_password.html", block="form", status=422, form=form)
        email = validated_text(form.email)
        await refuse_if_limited(settings.forgot_password_limit, email)
        await attempt_limiter().record(settings.forgot_password_limit, email, client_address())
        # Answered before any account look-up: known and unknown addresses take the same time.
        run_after_response(request_password_reset, settings, relay(), email)
        remember_inbox(email)
        return redirect_after_post("/check-your-inbox?for=reset")

    @blueprint.get("/reset-password")
    async def reset_password_page() -> ResponseReturnValue:
        token = _token()
        if not token or await select_usable_password_reset(hash_token(token)) is None:
            return await _bad_token(RESET_PASSWORD)
        form = await NewPasswordForm.from_request()
        return await render_page(RESET_PASSWORD["template"], form=form, token=token)

    @blueprint.post("/reset-password")
    async def reset_password() -> ResponseReturnValue:
        token = _token()
        reset = await select_usable_password_reset(hash_token(token)) if token else None
        user = await select_user_by_id(reset.id) if reset is not None else None
        if user is None:
            return await _bad_token(RESET_PASSWORD)
        form = await NewPasswordForm.from_request()
        if not _acceptable(form, user.email, user.display_name):
            return await render_page(
                RESET_PASSWORD["template"], block="form", status=422, form=form, token=token
            )
        outcome = await complete_password_reset(
            settings, relay(), hashing(), token, validated_text(form.password)
        )
        if outcome is not Outcome.DONE:
            return await _bad_token(RESET_PASSWORD)
        await attempt_limiter().clear(
            user.email, settings.sign_in_limit, settings.forgot_password_limit
        )
        return redirect_after_post("/sign-in?notice=password-changed")

    return blueprint
