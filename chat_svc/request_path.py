"""chat_svc's request path: every request meets these layers in this order, outermost
first, then Quart (service_kit/serving/layered_app.py composes them)."""

from __future__ import annotations

from functools import partial

from chat_svc.live.event_stream import LiveDelivery, is_live_request
from chat_svc.settings import ChatSettings
from chat_svc.web.fast_paths.form_sessions import FormSessions
from chat_svc.web.fast_paths.post_fast_path import ROUTE_KEY as POST_ROUTE_KEY
from chat_svc.web.fast_paths.post_fast_path import MessagePostFastPath, MessagePostRoute
from chat_svc.web.fast_paths.room_page_fast_path import ROUTE_KEY as PAGE_ROUTE_KEY
from chat_svc.web.fast_paths.room_page_fast_path import RoomPageFastPath, RoomPageRoute
from service_kit.serving.admission import AdmissionLimit, BusyAnswer
from service_kit.serving.layered_app import Layer, LayeredQuart, Mount


def compose_request_path(
    app: LayeredQuart, settings: ChatSettings, allowed_origins: frozenset[str]
) -> None:
    """Once every view, hook and error handler is registered."""
    form_sessions = FormSessions(app)
    post_route = page_route = None
    if settings.page_fast_path:
        page_route = app.extensions[PAGE_ROUTE_KEY] = RoomPageRoute(app, form_sessions)
        app.before_serving(page_route.start)
    if settings.post_fast_path:
        post_route = app.extensions[POST_ROUTE_KEY] = MessagePostRoute(
            app, form_sessions, allowed_origins
        )
        app.before_serving(post_route.start)
    layers: list[Layer | None] = [
        # Past N writes in flight, a cheap 503 before anything else runs (service_kit/admission).
        partial(
            AdmissionLimit,
            max_writes_in_flight=settings.max_writes_in_flight,
            busy=BusyAnswer.rendered_at_start(app),
        ),
        # The message post, what a busy room does most, answered before Quart in its common
        # case (docs/performance.md, "The POST, second pass"); CHAT_POST_FAST_PATH=false: off.
        partial(MessagePostFastPath, route=post_route) if post_route else None,
        # The room page, the page people load most, likewise (CHAT_PAGE_FAST_PATH=false: off).
        partial(RoomPageFastPath, route=page_route) if page_route else None,
        # Live delivery, its own ASGI app: thousands of streams open for hours, and Quart's
        # response machinery costs more per write than the bytes (live/event_stream.py).
        partial(Mount, matches=is_live_request, mounted=LiveDelivery(app)),
    ]
    app.compose(layers)
