"""``GET /rooms/<slug>`` for a signed-in person with a form session: served before Quart.

The room page is the page people load most (every tab, every reconnect after a deploy), and
Quart's request machinery (request and app contexts, the session, the form objects, the
after-request hooks) cost more than the page itself. The common case is answered here: the
same session check, the same page state (web/room_view.py ``load_room_page``) and the page
drawn by chat.html as a skeleton (web/fast_paths/page_skeletons.py), with the same headers.

Anything else goes to the Quart view, untouched, which answers exactly as before: no or an
invalid session (the sign-in redirect), no form session yet (Quart mints it and sets the
cookie), an HTMX request, a query string, an unknown or hidden room (the 404 page), auth_svc
or the store unavailable (their error pages). Nothing is sent before that choice is made.
``CHAT_PAGE_FAST_PATH=false`` turns the fast path off.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from quart import Quart, Response
from werkzeug.http import parse_cookie

from chat_svc.auth.auth_client import AuthUnavailableError
from chat_svc.services import services_of
from chat_svc.web.cookies import (
    READS_COOKIE,
    READS_FROM_SCREEN,
    cookie_header_of,
    session_cookie_name,
)
from chat_svc.web.fast_paths.form_sessions import FormSessions
from chat_svc.web.fast_paths.page_skeletons import PageSkeletons
from chat_svc.web.room_view import Job, load_room_page
from service_kit.serving.layered_app import ASGICall
from service_kit.serving.raw_asgi import Receive, Scope, Send, raw_headers, send_whole

log = logging.getLogger(__name__)

ROOM_PAGE_PATH = re.compile(r"^/rooms/([a-z0-9][a-z0-9-]{0,63})$")
ROUTE_KEY = "chat_svc.room_page_route"


class RoomPageRoute:
    def __init__(self, app: Quart, sessions: FormSessions) -> None:
        self._app = app
        self._sessions = sessions
        self._skeletons: PageSkeletons | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._jobs: set[asyncio.Task[None]] = set()
        self.served = 0  # pages answered here rather than by Quart (tests read it)

    async def start(self) -> None:
        """At start-up: the headers Quart's after-request hooks give a page, and the
        renderer."""
        app = self._app
        settings = services_of(app).settings
        self._skeletons = PageSkeletons(
            app, max_chars=settings.message_max_chars, heartbeat_seconds=settings.heartbeat_seconds
        )
        async with app.test_request_context("/rooms/general"):
            response = await app.process_response(
                Response("", content_type="text/html; charset=utf-8")
            )
        self._headers = raw_headers(response.headers)

    async def serve(self, scope: Scope, send: Send, slug: str) -> bool:
        """Answer the page, or return False having sent nothing (Quart answers then)."""
        if self._skeletons is None or scope.get("query_string"):
            return False
        if any(name == b"hx-request" for name, _ in scope["headers"]):
            return False
        cookie_header = cookie_header_of(scope["headers"])
        if cookie_header is None:
            return False
        services = services_of(self._app)
        cookies = parse_cookie(cookie_header)
        token = cookies.get(session_cookie_name(services.settings))
        form_cookie = cookies.get(self._app.config["SESSION_COOKIE_NAME"])
        if not token or not form_cookie:
            return False
        form_session = self._sessions.of(form_cookie)
        if form_session is None:
            return False
        jobs: list[tuple[Job, tuple[Any, ...]]] = []
        try:
            viewer = await services.actions.visitors.viewer_of(token)
            if viewer is None:
                return False
            # Hidden or missing: Quart answers the same 404 after the same reads (a hidden
            # room's page state is not loaded first: the time would tell it exists).
            found = await services.reads.access.visible_room(viewer.user_id, slug)
            if found is None:
                return False
            room, _ = found
            page = await load_room_page(
                services,
                viewer,
                room,
                lambda job, *args: jobs.append((job, args)),
                screen_reads=cookies.get(READS_COOKIE) == READS_FROM_SCREEN,
            )
            if page is None:
                return False
            body = await self._skeletons.render(page, viewer, form_session.token)
        except AuthUnavailableError:
            return False
        except Exception:  # Quart answers with the error page it has for this
            log.exception("room page fast path failed; Quart answers")
            return False
        finally:
            for job, args in jobs:
                self._start_later(job, args)
        await send_whole(send, 200, self._headers, body)
        self.served += 1
        return True

    def _start_later(self, job: Job, args: tuple[Any, ...]) -> None:
        task = asyncio.ensure_future(job(*args))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)


class RoomPageFastPath:
    """``GET /rooms/<slug>`` answered by ``route`` when it can; all else passes on."""

    def __init__(self, app: ASGICall, *, route: RoomPageRoute) -> None:
        self.app = app
        self.route = route

    # Not a coroutine itself: anything else gets the inner app's coroutine, so a long-lived
    # request (an event stream) holds no frame of this layer.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = ROOM_PAGE_PATH.match(scope["path"])
            if match is not None:
                return self._page(scope, receive, send, match.group(1))
        return self.app(scope, receive, send)

    async def _page(self, scope: Scope, receive: Receive, send: Send, slug: str) -> None:
        if not await self.route.serve(scope, send, slug):
            await self.app(scope, receive, send)
