"""``GET /join/<code>``: the join link administrators share, and the page a refused
sign-up gets.

A valid code is kept in Quart's signed session cookie (like the inbox address), so the
sign-up form that follows carries it without the code staying in the address bar."""

from __future__ import annotations

from quart import Blueprint, Response
from quart import session as form_session
from quart.typing import ResponseReturnValue

from auth_svc.joining.join_codes import is_current_join_code
from auth_svc.lib.web import no_store, redirect_after_post, whole_page_error
from auth_svc.settings import AuthSettings, SignUpMode

JOIN_CODE_KEY = "join_code"
BY_INVITATION = (
    "Joining this team is by invitation. Ask an administrator for the team's join link, "
    "then open it to sign up. If you already have an account, sign in."
)
BY_DOMAIN = (
    "Addresses at {domains} may sign up here; anyone else needs the team's join link from "
    "an administrator. If you already have an account, sign in."
)


def join_code_of_visitor() -> str | None:
    code = form_session.get(JOIN_CODE_KEY)
    return code if isinstance(code, str) else None


async def sign_up_refused(settings: AuthSettings) -> Response:
    """The same page whatever the address: it never says whether an account exists."""
    message = BY_INVITATION
    if settings.effective_sign_up_mode is SignUpMode.DOMAINS:
        message = BY_DOMAIN.format(domains=", ".join(sorted(settings.sign_up_domain_set)))
    return await whole_page_error(
        403,
        message,
        template="token_invalid.html",
        title="Sign-up needs an invitation",
        retry_url="/sign-in",
        retry_label="Sign in",
    )


def join_blueprint(settings: AuthSettings) -> Blueprint:
    blueprint = Blueprint("joining", __name__)

    @blueprint.get("/join/<code>")
    async def join(code: str) -> ResponseReturnValue:
        if not await is_current_join_code(code):
            form_session.pop(JOIN_CODE_KEY, None)
            response = await whole_page_error(
                403,
                "This join link is no longer valid: an administrator may have replaced it. "
                "Ask them for the current link.",
                template="token_invalid.html",
                title="This join link no longer works",
                retry_url="/sign-in",
                retry_label="Sign in",
            )
        else:
            form_session[JOIN_CODE_KEY] = code
            response = redirect_after_post("/sign-up")
        return no_store(response)  # the code is in the address: keep it out of Referer

    return blueprint
