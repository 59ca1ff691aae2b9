"""Admission control: a bounded number of writes in flight; past it, a cheap 503 at once.

Under several times the rate a process can sustain, letting every POST in queues them all
on the event loop: each waits for Redis, the database and the CPU, answers late or times
out, and everything else on the loop (``/healthz``, the page, the streams) waits behind
them. Refusing the excess before Quart sees it costs a few microseconds, keeps the loop
responsive and tells the browser to come back (``Retry-After``; the HTMX form retries once).
The 503 body is rendered once, at start-up, from the shared error page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, Response

from service_kit.logging_setup import ThrottledLog
from service_kit.serving.error_pages import (
    BUSY_FRAGMENT,
    BUSY_MESSAGE,
    BUSY_RETRY_AFTER_SECONDS,
    render_error,
)
from service_kit.serving.layered_app import ASGICall
from service_kit.serving.raw_asgi import (
    Receive,
    Scope,
    Send,
    is_htmx_request,
    raw_headers,
    send_whole,
)

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class BusyAnswer:
    """The pre-rendered 503: the whole page, or for HTMX the fragment."""

    page: bytes = b""
    fragment: bytes = BUSY_FRAGMENT.encode()
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)  # the app's own

    @classmethod
    def rendered_at_start(cls, app: Quart) -> BusyAnswer:
        """An answer the app fills at start-up, through its after-request handlers, so it
        carries the same security headers (and a Retry-After)."""
        busy = cls()

        @app.before_serving
        async def _render_busy_page() -> None:
            async with app.test_request_context("/"):
                page, _ = await render_error(503, BUSY_MESSAGE, title="Busy")
                retry_after = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
                response = await app.process_response(
                    await app.make_response((page, 503, retry_after))
                )
            assert isinstance(response, Response)  # Quart makes its own responses
            busy.page = await response.get_data(as_text=False)
            busy.headers = raw_headers(response.headers)

        return busy


class AdmissionLimit:
    """At most ``max_writes_in_flight`` unsafe requests at a time (``exempt`` requests, such
    as another service's calls with limits of their own, pass)."""

    def __init__(
        self,
        app: ASGICall,
        *,
        max_writes_in_flight: int,
        busy: BusyAnswer,
        exempt: Callable[[Scope], bool] = lambda scope: False,
    ) -> None:
        self.app = app
        self.max_writes_in_flight = max_writes_in_flight
        self.busy = busy
        self.exempt = exempt
        self.in_flight = 0
        self._refused_log = ThrottledLog(log, 5.0)

    # Not a coroutine itself: what passes gets the inner app's coroutine (layered_app.py).
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS or self.exempt(scope):
            return self.app(scope, receive, send)
        return self._admitted(scope, receive, send)

    async def _admitted(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.in_flight >= self.max_writes_in_flight:
            self._refused_log.warning(
                "busy: %d writes in flight, refusing more with 503", self.in_flight
            )
            body = self.busy.fragment if is_htmx_request(scope) else self.busy.page
            await send_whole(send, 503, self.busy.headers, body)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
