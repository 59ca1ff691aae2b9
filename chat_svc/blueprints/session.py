"""Arriving from auth_svc's sign-in (the hand-off code) and signing out."""

from __future__ import annotations

import logging

from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from chat_svc.lib.access import current_viewer, session_token
from chat_svc.lib.cookies import session_cookie_name
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
        session_cookie_name(runtime.settings),
        redeemed.access_token,
        httponly=True,
        samesite="Lax",
        secure=runtime.settings.cookies_secure,
        path="/",
    )
    return response


@session_pages.post("/sign-out")
async def sign_out() -> ResponseReturnValue:
    runtime = runtime_of()
    form = SignOutForm(await request.form)
    if not form.validate():
        return await render_error(400, "Your sign-out form expired. Please reload and try again.")
    token = session_token()
    viewer = await current_viewer()
    if token:
        await runtime.auth.revoke(token)
    if viewer is not None:
        # auth_svc's SessionRevoked closes this session's streams on every replica; this
        # replica does not wait for it.
        runtime.fanout.close_session(viewer.session_id)
        runtime.auth.forget_session(viewer.session_id)
        log.info("signed out", extra={"user_id": viewer.user_id})
    target = f"{runtime.settings.auth_public_url}/sign-in?notice=signed-out"
    response = Response("", status=303, headers={"Location": target})
    if is_htmx():
        response = Response("", status=200, headers={"HX-Redirect": target})
    response.delete_cookie(
        session_cookie_name(runtime.settings), path="/", secure=runtime.settings.cookies_secure
    )
    return response
