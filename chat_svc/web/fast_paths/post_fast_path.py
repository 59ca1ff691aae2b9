"""``POST /rooms/<slug>/messages`` (and general's ``POST /messages``) by a signed-in member
with a valid form: handled before Quart.

Posting is what a busy room does most, and Quart's request machinery (request and app
contexts, the session, form parsing, the after-request hooks) cost about a third of a
post's CPU (docs/performance.md, "The POST, second pass"). The common case is handled here
with the same checks, each through the code Quart's view uses: the same-origin rule
(service_kit/serving/web.py ``foreign_origin``), the session (``Visitors.viewer_of``), the
membership (``RoomAccess.visible_room``), the form (``MessageForm`` with the form session's
CSRF value) and the post itself (``post_once``'s ``MessageFeed.post``). The answer is the
view's: a fresh message form for HTMX (chat.html's block, drawn once per room as a skeleton
by web/fast_paths/page_skeletons.py: a Jinja render was half of the fast path's CPU) or the
303 to the new message, with the headers Quart's after-request hooks give.

Anything else goes to the Quart view with the body read so far handed on, and answers
exactly as before: no or an invalid session, a foreign origin, an unknown or hidden room,
not a member, a form that does not validate (422 with its errors), a body that is not a
plain URL-encoded form or larger than Quart's ``MAX_CONTENT_LENGTH`` (its 413). A session
checked here is handed on in the scope (``access.CHECKED_VIEWER``): the view does not check
it again. Once the post was attempted it is never attempted twice: its error (refused as too
fast, the store unavailable) travels to the view in the scope (``POST_FAILED``), which raises
it where its own post would have, so Quart answers it with its error pages.
``CHAT_POST_FAST_PATH=false`` turns this off.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Coroutine, Mapping
from typing import Any
from urllib.parse import parse_qsl

from quart import Quart, Response
from quart import redirect as quart_redirect
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_cookie
from werkzeug.utils import redirect

from chat_svc.actions.post_intake import AlreadySentError
from chat_svc.actions.room_names import is_slug
from chat_svc.actions.send_once import valid_client_id
from chat_svc.auth.auth_client import AuthUnavailableError
from chat_svc.auth.viewers import CHECKED_VIEWER
from chat_svc.models.messages import GENERAL
from chat_svc.services import services_of
from chat_svc.web.cookies import cookie_header_of, session_cookie_name
from chat_svc.web.fast_paths.form_sessions import FormSessions
from chat_svc.web.fast_paths.page_skeletons import PageSkeletons
from chat_svc.web.forms import MessageForm
from service_kit.serving.layered_app import ASGICall
from service_kit.serving.raw_asgi import (
    Message,
    Receive,
    Scope,
    Send,
    first_header,
    is_htmx_request,
    raw_headers,
    send_whole,
)
from service_kit.serving.request_safety import foreign_origin
from service_kit.serving.strict_ids import parse_id
from service_kit.serving.web import MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

ROOM_POST_PATH = re.compile(r"^/rooms/([a-z0-9][a-z0-9-]{0,63})/messages$")
ROUTE_KEY = "chat_svc.message_post_route"
# The scope key a failed post's error travels in to the Quart view (web/views/room_messages.py).
POST_FAILED = "chat_svc.post_failed"
MAX_FIELDS = 16
FORM_TYPE = b"application/x-www-form-urlencoded"


def post_error_of(scope: Mapping[str, object]) -> BaseException | None:
    """The error of a post attempted before Quart (raised by the view in its place)."""
    error = scope.get(POST_FAILED)
    return error if isinstance(error, BaseException) else None


class Replay:
    """Quart's ``receive``: what was read already, then the rest from the connection."""

    def __init__(self, read: list[Message], receive: Receive) -> None:
        self._read = read
        self._receive = receive

    async def __call__(self) -> Message:
        if self._read:
            return self._read.pop(0)
        return await self._receive()


async def read_form(receive: Receive, limit: int) -> tuple[list[Message], bytes | None]:
    """The messages read, and the whole body when it arrived complete within ``limit``."""
    read: list[Message] = []
    size = 0
    parts: list[bytes] = []
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return read, None
        parts.append(chunk)
        if not message.get("more_body", False):
            return read, b"".join(parts)


def form_data(body: bytes) -> MultiDict[str, str] | None:
    """The fields as werkzeug parses a URL-encoded form; None for anything it would read
    differently (not UTF-8) or refuse (too many fields)."""
    try:
        text = body.decode()
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return None
    return MultiDict(pairs)


class MessagePostRoute:
    def __init__(self, app: Quart, sessions: FormSessions, allowed_origins: frozenset[str]) -> None:
        self._app = app
        self._sessions = sessions
        self._allowed_origins = allowed_origins  # install_origin_check's
        self._fragment_headers: list[tuple[bytes, bytes]] = []
        self._redirect_headers: list[tuple[bytes, bytes]] = []
        self._skeletons: PageSkeletons | None = None
        # A larger body is Quart's to read, and to refuse with its 413.
        self._max_body = int(app.config["MAX_CONTENT_LENGTH"] or MAX_REQUEST_BYTES)
        self.served = 0  # posts answered here rather than by Quart (tests read it)

    async def start(self) -> None:
        """At start-up: the headers Quart's after-request hooks give each answer."""
        app = self._app
        settings = services_of(app).settings
        path = "/rooms/general/messages"
        async with app.test_request_context(path, method="POST", headers={"HX-Request": "true"}):
            fragment = await app.process_response(
                Response("", content_type="text/html; charset=utf-8")
            )
        async with app.test_request_context(path, method="POST"):
            moved = await app.process_response(quart_redirect("/", 303))
        self._fragment_headers = raw_headers(fragment.headers)
        self._redirect_headers = raw_headers(
            moved.headers, also_dropped=("location", "content-type")
        )
        skeletons = PageSkeletons(
            app,
            max_chars=settings.message_max_chars,
            heartbeat_seconds=settings.heartbeat_seconds,
        )
        try:  # drawn now: a template this cannot draw keeps every post on Quart's view
            skeletons.message_form(GENERAL, "start-up")
        except Exception:
            log.exception("the message form cannot be drawn here; posts go through Quart")
            return
        self._skeletons = skeletons

    async def serve(self, scope: Scope, receive: Receive, send: Send, slug: str) -> Receive | None:
        """Answer the post (None), or return the ``receive`` Quart reads the request from."""
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if scope.get("query_string") or self._skeletons is None:
            return receive
        content_type = first_header(headers, b"content-type") or b""
        if content_type.split(b";", 1)[0].strip() != FORM_TYPE:
            return receive
        origin = (first_header(headers, b"origin") or b"").decode("latin-1")
        referer = (first_header(headers, b"referer") or b"").decode("latin-1")
        if foreign_origin(origin, referer, self._allowed_origins):
            return receive  # Quart refuses it with its 403 page
        cookie_header = cookie_header_of(headers)
        if cookie_header is None:
            return receive
        services = services_of(self._app)
        cookies = parse_cookie(cookie_header)
        token = cookies.get(session_cookie_name(services.settings))
        form_cookie = cookies.get(self._app.config["SESSION_COOKIE_NAME"])
        form_session = self._sessions.of(form_cookie) if form_cookie else None
        if not token or form_session is None:
            return receive
        read, body = await read_form(receive, self._max_body)
        replay = Replay(read, receive)
        formdata = form_data(body) if body is not None else None
        if formdata is None:
            return replay
        max_chars = services.settings.message_max_chars
        try:
            viewer = await services.actions.visitors.viewer_of(token)
            if viewer is None:
                return replay
            scope[CHECKED_VIEWER] = viewer  # Quart's view does not check the session again
            found = await services.reads.access.visible_room(viewer.user_id, slug)
            if found is None or not found[1] or found[0].archived:
                return replay  # Quart answers (an archived room: room_administration/)
            form = MessageForm(formdata, max_chars=max_chars, csrf=form_session.csrf)
            if not form.validate():
                return replay  # Quart answers 422 with the form's errors
        except AuthUnavailableError:
            return replay
        except Exception:  # Quart answers with the error page it has for this
            log.exception("message post fast path failed before posting; Quart answers")
            return replay
        try:
            message_id = (
                await services.actions.messages.post(
                    viewer,
                    slug,
                    str(form.body.data),
                    client_id=valid_client_id(form.client_id.data),
                    reply_to=parse_id(form.reply_to.data),
                )
            ).message_id
        except AlreadySentError as sent:
            message_id = sent.message_id
        except Exception as error:  # the view raises it where its own post would have
            scope[POST_FAILED] = error
            return replay
        if is_htmx_request(scope):
            # The message itself arrives over the stream, like everyone else's.
            page = self._skeletons.message_form(slug, form_session.token)
            await send_whole(send, 200, self._fragment_headers, page)
        else:
            # Without JavaScript: land on the new message (the log scrolls to the anchor).
            moved = redirect(f"/rooms/{slug}#message-{message_id}", 303)
            found_here = [
                (b"content-type", moved.headers["Content-Type"].encode()),
                (b"location", moved.headers["Location"].encode()),
            ]
            await send_whole(send, 303, [*self._redirect_headers, *found_here], moved.get_data())
        self.served += 1
        return None


class MessagePostFastPath:
    """``POST /rooms/<slug>/messages`` (and ``POST /messages``) answered by ``route`` when it
    can; all else, and what it hands on, goes to the inner app."""

    def __init__(self, app: ASGICall, *, route: MessagePostRoute) -> None:
        self.app = app
        self.route = route

    # Not a coroutine itself: anything else gets the inner app's coroutine, so a long-lived
    # request (an event stream) holds no frame of this layer.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            match = ROOM_POST_PATH.match(path)
            slug = match.group(1) if match is not None else GENERAL if path == "/messages" else ""
            if slug and is_slug(slug):
                return self._post(scope, receive, send, slug)
        return self.app(scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        rest = await self.route.serve(scope, receive, send, slug)
        if rest is not None:
            await self.app(scope, rest, send)
