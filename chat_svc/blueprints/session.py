"""Arriving from auth_svc's sign-in (the hand-off code) and signing out."""

from __future__ import annotations

import logging

from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from chat_svc.lib.access import SESSION_COOKIE, current_viewer
from chat_svc.lib.forms import SignOutForm
from chat_svc.lib.runtime import runtime_of
from service_kit.web import is_htmx, render_error, safe_next_path

log = logging.getLogger(__name__)

session_pages = Blueprint("session", __name__)


@session_pages.get("/session/start")
async def start_session() -> ResponseReturnValue:
    runtime = runtime_of()
    code = request.args.get("code", "")
    redeemed = await runtime.auth.redeem(code) if code else None
    if redeemed is None:
        return await render_error(
            400,
            "This sign-in link has expired or was already used. Please sign in again.",
            template="chat_error.html",
            sign_in_url=f"{runtime.settings.auth_public_url}/sign-in",
        )
    await runtime.remember_user(redeemed.viewer)
    log.info("chat session started", extra={"user_id": redeemed.viewer.user_id})
    response = Response(
        "", status=303, headers={"Location": safe_next_path(request.args.get("next"))}
    )
    response.set_cookie(
        SESSION_COOKIE,
        redeemed.access_token,
        httponly=True,
        samesite="Lax",
        secure=runtime.settings.is_production or runtime.settings.public_url.startswith("https:"),
        path="/",
    )
    return response


@session_pages.post("/sign-out")
async def sign_out() -> ResponseReturnValue:
    return await _sign_out(everywhere=False)


@session_pages.post("/sign-out-everywhere")
async def sign_out_everywhere() -> ResponseReturnValue:
    """Every device of the person, not only this browser (the control is the shared partial
    ``partials/sign_out_everywhere.html``)."""
    return await _sign_out(everywhere=True)


async def _sign_out(everywhere: bool) -> ResponseReturnValue:
    runtime = runtime_of()
    form = SignOutForm(await request.form)
    if not form.validate():
        return await render_error(400, "Your sign-out form expired. Please reload and try again.")
    token = request.cookies.get(SESSION_COOKIE)
    viewer = await current_viewer()
    if token and everywhere:
        await runtime.auth.revoke_everywhere(token)
    elif token:
        await runtime.auth.revoke(token)
    if viewer is not None:
        # auth_svc's SessionRevoked closes this session's streams on every replica (and, for
        # "everywhere", every other session's); this replica does not wait for it.
        runtime.fanout.close_session(viewer.session_id)
        runtime.auth.forget_session(viewer.session_id)
        log.info("signed out", extra={"user_id": viewer.user_id, "everywhere": everywhere})
    notice = "signed-out-everywhere" if everywhere else "signed-out"
    target = f"{runtime.settings.auth_public_url}/sign-in?notice={notice}"
    response = Response("", status=303, headers={"Location": target})
    if is_htmx():
        response = Response("", status=200, headers={"HX-Redirect": target})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
