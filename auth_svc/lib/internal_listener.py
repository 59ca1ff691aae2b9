"""auth_svc's internal API on its own listener, apart from the public one.

The public listener is what the edge forwards ``/auth/*`` to, so anything it serves is on the
internet. The internal API (token check, hand-off redeem, revoke; docs/contracts.md) is for
chat_svc only: it is served on ``AUTH_INTERNAL_HOST:AUTH_INTERNAL_PORT`` (a second server in
the same process, sharing the app and its connections), marks its requests in the ASGI scope,
and the internal blueprint answers 404 to any request without that mark. Callers are also
rate-limited per address, in memory: the limit guards the process, not a shared budget.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator

from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import request

from auth_svc.settings import AuthSettings
from service_kit.serving.layered_app import ASGICall, LayeredQuart
from service_kit.serving.raw_asgi import Receive, Scope, Send

log = logging.getLogger(__name__)

INTERNAL_PREFIX = "/internal/"
# Set by this listener's server only; a client cannot put keys into the ASGI scope.
SCOPE_MARK = "auth_internal_listener"


def from_internal_listener() -> bool:
    """True for a request that came in on the internal listener."""
    return bool(request.scope.get(SCOPE_MARK))


class PerCallerRate:
    """At most ``per_second`` requests per caller address in each one-second window."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._window = 0
        self._counts: Counter[str] = Counter()

    def allow(self, caller: str) -> bool:
        now = int(time.monotonic())
        if now != self._window:
            self._window = now
            self._counts.clear()
        self._counts[caller] += 1
        return self._counts[caller] <= self.per_second


async def _json(send: Send, status: int, payload: dict[str, str]) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


class InternalListenerApp:
    """The internal server's ASGI app: only ``/internal/*``, rate-limited per caller, marked
    in the scope, then the app's whole request path (its composed layers and Quart)."""

    def __init__(self, app: ASGICall, *, rate: PerCallerRate) -> None:
        self.app = app
        self.rate = rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the app's own lifespan runs on the public server
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http" or not scope["path"].startswith(INTERNAL_PREFIX):
            await _json(send, 404, {"error": "not_found"})
            return
        client = scope.get("client")
        if not self.rate.allow(str(client[0]) if client else "unknown"):
            await _json(send, 429, {"error": "rate_limited"})
            return
        await self.app({**scope, SCOPE_MARK: True}, receive, send)


def serve_internal_api(app: LayeredQuart, settings: AuthSettings) -> None:
    """While the app serves, also listen on the internal port (when one is configured)."""
    if settings.internal_port is None:
        return

    @app.while_serving
    async def _internal_listener() -> AsyncGenerator[None, None]:
        assert settings.internal_port is not None
        config = Config()
        config.bind = [f"{settings.internal_host}:{settings.internal_port}"]
        config.accesslog = None
        config.errorlog = log
        config.include_server_header = False
        config.read_timeout = 10
        stop = asyncio.Event()
        rate = PerCallerRate(settings.internal_requests_per_second)
        listener = InternalListenerApp(app.asgi_app, rate=rate)
        server = asyncio.create_task(
            serve(listener, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
        )
        await _wait_until_listening(server, settings.internal_host, settings.internal_port)
        log.info("internal API listening", extra={"port": settings.internal_port})
        yield
        stop.set()
        await server


async def _wait_until_listening(server: asyncio.Task[None], host: str, port: int) -> None:
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    async with asyncio.timeout(10):
        while True:
            if server.done():
                server.result()  # raises why it could not listen (e.g. the port is taken)
                raise RuntimeError("the internal listener stopped at start-up")
            try:
                _, writer = await asyncio.open_connection(probe_host, port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return
