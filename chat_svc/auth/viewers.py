"""Who is asking: the ``chat_session`` cookie checked against auth_svc on every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from typing import ParamSpec, cast
from urllib.parse import urlencode

from quart import Response, g, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.auth_client import Viewer
from chat_svc.services import services_of
from chat_svc.web.cookies import cookie_value, session_cookie_name
from service_kit.serving.request_safety import safe_next_path
from service_kit.serving.web import is_htmx

P = ParamSpec("P")
# A route served before Quart hands the viewer it checked to Quart's view in the ASGI scope
# (web/fast_paths/post_fast_path.py): the session is checked once per request, and a post that
# waited out a database outage is not then refused because auth's answer aged meanwhile.
CHECKED_VIEWER = "chat_svc.checked_viewer"


async def current_viewer() -> Viewer | None:
    """The signed-in person, checked once per request (auth answers are cached briefly)."""
    if "viewer" in g:
        cached: Viewer | None = g.viewer
        return cached
    checked = cast(Mapping[str, object], request.scope).get(CHECKED_VIEWER)
    if isinstance(checked, Viewer):
        g.viewer = checked
        return checked
    token = session_token()
    viewer = await services_of().actions.visitors.viewer_of(token) if token else None
    g.viewer = viewer
    return viewer


def session_token() -> str | None:
    """This request's chat session token, read like the stream reads it (web/cookies.py)."""
    cookies = "; ".join(request.headers.getlist("Cookie")) or None  # HTTP/2 may send several
    return cookie_value(cookies, session_cookie_name(services_of().settings))


def signed_in_viewer() -> Viewer:
    """The viewer inside a view guarded by ``signed_in``."""
    viewer: Viewer = g.viewer
    return viewer


def sign_in_url(next_path: str) -> str:
    """Chat's own ``/sign-in``: it binds the sign-in to this browser, then sends it to auth."""
    return f"/sign-in?{urlencode({'next': safe_next_path(next_path)})}"


def sign_in_redirect() -> Response:
    """Pages redirect to auth's sign-in; HTMX requests get ``HX-Redirect`` instead."""
    back_to = request.full_path.rstrip("?") if request.method == "GET" and not is_htmx() else "/"
    target = sign_in_url(back_to)
    if is_htmx():
        return Response("", status=401, headers={"HX-Redirect": target})
    return Response("", status=303, headers={"Location": target})


def signed_in(
    view: Callable[P, Awaitable[ResponseReturnValue]],
) -> Callable[P, Awaitable[ResponseReturnValue]]:
    @wraps(view)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if await current_viewer() is None:
            return sign_in_redirect()
        return await view(*args, **kwargs)

    return guarded
