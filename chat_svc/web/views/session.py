"""Going to auth_svc's sign-in, arriving back with the hand-off code, and signing out.

The code is redeemed only in the browser that set off to sign in: ``/sign-in`` stores a
fresh state in a cookie and passes it to auth, which returns it beside the code
(service_kit/people/sign_in_state.py). A code sent to someone else (login CSRF) is refused.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from quart import Blueprint, Response, request, session
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import current_viewer, session_token, sign_in_url
from chat_svc.services import services_of
from chat_svc.web.cookies import session_cookie_name
from chat_svc.web.forms import SignOutForm
from service_kit.people.sign_in_state import (
    new_sign_in_state,
    state_is_pending,
    with_new_state,
    without_state,
)
from service_kit.serving.error_pages import render_error
from service_kit.serving.request_safety import safe_next_path
from service_kit.serving.web import is_htmx

log = logging.getLogger(__name__)

session_pages = Blueprint("session", __name__)


# What auth's sign-in page may be asked to say on the way (its NOTICES): a page signed out
# by its stream (stream-orders.js).
PASSED_NOTICES = frozenset({"signed-out-elsewhere"})
STATE_COOKIE = "chat_sign_in_state"
# "/" so that /sign-in reads the states already pending and adds to them (it was "/session").
STATE_COOKIE_PATH = "/"
STATE_SECONDS = 15 * 60  # time to type a password, or to reset a forgotten one


@session_pages.get("/sign-in")
async def go_to_sign_in() -> ResponseReturnValue:
    """Bind the coming hand-off to this browser, then sign in on auth_svc."""
    state = new_sign_in_state()
    next_path = safe_next_path(request.args.get("next"))
    fields = {"next": next_path, "state": state}
    if request.args.get("notice") in PASSED_NOTICES:  # why the page sent the person here
        fields["notice"] = request.args["notice"]
    query = urlencode(fields)
    target = f"{services_of().settings.auth_public_url}/sign-in?{query}"
    response = Response("", status=303, headers={"Location": target})
    _set_state_cookie(response, with_new_state(request.cookies.get(STATE_COOKIE), state))
    return response


def _set_state_cookie(response: Response, value: str) -> None:
    response.set_cookie(
        STATE_COOKIE,
        value,
        max_age=STATE_SECONDS,
        httponly=True,
        samesite="Lax",  # sent on the top-level redirect back from auth
        secure=services_of().settings.cookies_secure,
        path=STATE_COOKIE_PATH,
    )


@session_pages.get("/session/start")
async def start_session() -> ResponseReturnValue:
    services = services_of()
    next_path = safe_next_path(request.args.get("next"))
    state, pending = request.args.get("state"), request.cookies.get(STATE_COOKIE)
    if not state_is_pending(state, pending):
        # Not redeemed: the code may be someone else's (login CSRF) or this browser's
        # sign-in took too long. Signing in again from here binds a new one.
        log.warning("hand-off refused: state does not match this browser")
        return await render_error(
            400,
            "This sign-in was started in another browser, or took too long. Sign in again here.",
            template="chat_error.html",
            sign_in_url=sign_in_url(next_path),
        )
    code = request.args.get("code", "")
    redeemed = await services.auth.redeem(code) if code else None
    if redeemed is None:
        return await render_error(
            400,
            "This sign-in link has expired or was already used. Please sign in again.",
            template="chat_error.html",
            sign_in_url=sign_in_url(next_path),
        )
    await services.actions.visitors.remember_user(redeemed.viewer)
    log.info("chat session started", extra={"user_id": redeemed.viewer.user_id})
    response = Response("", status=303, headers={"Location": next_path})
    response.set_cookie(
        session_cookie_name(services.settings),
        redeemed.access_token,
        httponly=True,
        samesite="Lax",
        secure=services.settings.cookies_secure,
        path="/",
    )
    left = without_state(pending, state)  # one hand-off per state; other tabs' stay
    if left is None:
        response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH)
    else:
        _set_state_cookie(response, left)
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
    services = services_of()
    form = SignOutForm(await request.form)
    if not form.validate():
        return await render_error(400, "Your sign-out form expired. Please reload and try again.")
    token = session_token()
    viewer = await current_viewer()
    if token and everywhere:
        await services.auth.revoke_everywhere(token)
    elif token:
        await services.auth.revoke(token)
    if viewer is not None:
        # auth_svc's SessionRevoked closes this session's streams on every replica (and, for
        # "everywhere", every other session's); this replica does not wait for it.
        services.live.fanout.close_session(viewer.session_id)
        services.auth.forget_session(viewer.session_id)
        log.info("signed out", extra={"user_id": viewer.user_id, "everywhere": everywhere})
    # The form session (CSRF secret) ends with the chat session: a page from before
    # sign-out cannot post for whoever signs in next in this browser.
    session.clear()
    notice = "signed-out-everywhere" if everywhere else "signed-out"
    target = f"{services.settings.auth_public_url}/sign-in?notice={notice}"
    response = Response("", status=303, headers={"Location": target})
    if is_htmx():
        response = Response("", status=200, headers={"HX-Redirect": target})
    response.delete_cookie(
        session_cookie_name(services.settings), path="/", secure=services.settings.cookies_secure
    )
    return response
