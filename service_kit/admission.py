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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from quart import Quart, Response

from service_kit.logging_setup import ThrottledLog
from service_kit.raw_asgi import is_htmx_request, raw_headers, send_whole
from service_kit.web import BUSY_FRAGMENT, BUSY_MESSAGE, BUSY_RETRY_AFTER_SECONDS, render_error

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class BusyAnswer:
    """The pre-rendered 503: the whole page, or for HTMX the fragment."""

    page: bytes
    fragment: bytes
    headers: list[tuple[bytes, bytes]]  # the app's own (security headers, Retry-After)


def install_admission_limit(
    app: Quart,
    max_writes_in_flight: int,
    exempt: Callable[[dict[str, Any]], bool] = lambda scope: False,
) -> None:
    """Wrap the ASGI app: at most ``max_writes_in_flight`` unsafe requests at a time
    (``exempt`` requests, such as another service's calls with limits of their own, pass)."""

    inner: Callable[..., Awaitable[None]] = app.asgi_app
    in_flight = 0
    refused_log = ThrottledLog(log, 5.0)
    busy = BusyAnswer(b"", BUSY_FRAGMENT.encode(), [])

    @app.before_serving
    async def _render_busy_page() -> None:
        # Through the app's after-request handlers, so it carries the same security headers.
        async with app.test_request_context("/"):
            page, _ = await render_error(503, BUSY_MESSAGE, title="Busy")
            retry_after = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
            response = await app.process_response(await app.make_response((page, 503, retry_after)))
        assert isinstance(response, Response)  # Quart makes its own responses
        busy.page = await response.get_data(as_text=False)
        busy.headers = raw_headers(response.headers)

    async def admitted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal in_flight
        if in_flight >= max_writes_in_flight:
            refused_log.warning("busy: %d writes in flight, refusing more with 503", in_flight)
            body = busy.fragment if is_htmx_request(scope) else busy.page
            await send_whole(send, 503, busy.headers, body)
            return
        in_flight += 1
        try:
            await inner(scope, receive, send)
        finally:
            in_flight -= 1

    # Not a coroutine itself: what passes hands over the inner app's awaitable, so a
    # long-lived request (an event stream) holds no frame of this wrapper.
    def asgi(scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS or exempt(scope):
            return inner(scope, receive, send)
        return admitted(scope, receive, send)

    app.asgi_app = asgi  # type: ignore[method-assign,assignment]
