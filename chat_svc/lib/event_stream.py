"""``GET /events``: the live stream, served as plain ASGI to keep each client cheap.

Quart's response machinery costs far more per write than the bytes themselves, and one
message is written to every open stream, so this path does only: check the session (cached),
replay what the client missed, then write the frames the fanout queues for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import Quart

from chat_svc.lib.access import sign_in_url
from chat_svc.lib.auth_client import AuthUnavailableError
from chat_svc.lib.cookies import cookie_value, session_cookie_name
from chat_svc.lib.fanout import CloseReason, StreamClient
from chat_svc.lib.message_feed import TooFarBehindError
from chat_svc.lib.runtime import ChatRuntime, runtime_of
from chat_svc.lib.sse import STREAM_HEADERS, frame
from chat_svc.lib.stream_limits import TOO_MANY_STREAMS, client_address
from service_kit.strict_ids import parse_id

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EVENTS_PATH = "/events"
RETRY_MILLISECONDS = 2000
RELOAD = frame("reload", "too far behind")
DATABASE_ERRORS = (ConnectionFailure, ExecutionTimeout)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _session_token(scope: Scope, runtime: ChatRuntime) -> str | None:
    return cookie_value(_header(scope, b"cookie"), session_cookie_name(runtime.settings))


def resume_point(scope: Scope) -> int | None:
    """``Last-Event-ID`` (the browser's own reconnect) wins over ``?after=`` (the page's)."""
    candidates = [_header(scope, b"last-event-id")]
    after = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1")).get("after")
    candidates.append(after[0] if after else None)
    for candidate in candidates:
        if (after_id := parse_id(candidate)) is not None:
            return after_id
    return None  # none, or malformed: the stream starts from the latest


async def _answer(send: Send, status: int, body: bytes, event_stream: bool) -> None:
    headers = STREAM_HEADERS if event_stream else [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def stream_events(app: Quart, scope: Scope, receive: Receive, send: Send) -> None:
    runtime = runtime_of(app)
    token = _session_token(scope, runtime)
    try:
        viewer = await runtime.auth.check(token) if token else None
    except AuthUnavailableError as error:
        log.warning("event stream refused, auth unavailable: %s", error)
        await _answer(send, 503, b"auth unavailable", event_stream=False)
        return
    if viewer is None:
        # A 200 with a closing event: the page stops reconnecting and goes to sign in.
        target = sign_in_url("/")
        await _answer(send, 200, frame("signed-out", target), event_stream=True)
        return
    try:
        await runtime.remember_user(viewer)
    except DATABASE_ERRORS as error:  # the stream itself needs no database: go on
        log.warning("event stream: user not recorded, database unavailable: %s", error)

    client = StreamClient(viewer.session_id, runtime.settings.client_buffer_frames)
    address = client_address(scope)
    if not runtime.stream_limits.admit(client, address):
        await _answer(send, 429, b"too many live streams from this address", event_stream=False)
        return
    runtime.fanout.add(client)  # before reading the backlog, so nothing falls in between
    watcher = asyncio.create_task(_watch_disconnect(receive, client))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        opening = f"retry: {RETRY_MILLISECONDS}\n\n".encode() + await _backlog(
            runtime, client, resume_point(scope)
        )
        await send({"type": "http.response.body", "body": opening, "more_body": True})
        while (chunk := await client.next_chunk()) is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": _farewell(client), "more_body": False})
    finally:
        runtime.fanout.remove(client)
        runtime.stream_limits.release(client, address)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _backlog(runtime: ChatRuntime, client: StreamClient, after_id: int | None) -> bytes:
    if after_id is None:
        client.go_live(frozenset())
        return b""
    try:
        missed = await runtime.feed.after(after_id, runtime.settings.max_resume_backlog)
    except TooFarBehindError:
        client.close(CloseReason.TOO_SLOW)
        return b""
    except DATABASE_ERRORS as error:
        # Neither cache nor database can say what was missed: end the stream; the browser
        # retries with the same Last-Event-ID a moment later.
        log.warning("event stream: resume postponed, database unavailable: %s", error)
        client.close(CloseReason.DISCONNECTED)
        return b""
    renderer = runtime.live.renderer
    client.go_live(frozenset(m.message_id for m in missed))
    return b"".join(renderer.frame(m) for m in missed)


def _farewell(client: StreamClient) -> bytes:
    if client.close_reason is CloseReason.TOO_SLOW:
        return RELOAD
    if client.close_reason is CloseReason.SIGNED_OUT:
        return frame("signed-out", "signed out")
    if client.close_reason is CloseReason.TOO_MANY_STREAMS:
        return TOO_MANY_STREAMS
    return b""


async def _watch_disconnect(receive: Receive, client: StreamClient) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            client.close(CloseReason.DISCONNECTED)
            return


def route_event_stream(app: Quart) -> None:
    """Serve ``GET /events`` before Quart sees the request; everything else goes to Quart."""
    quart_asgi: ASGIApp = app.asgi_app  # type: ignore[assignment]

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == EVENTS_PATH and scope["method"] == "GET":
            await stream_events(app, scope, receive, send)
        else:
            await quart_asgi(scope, receive, send)

    app.asgi_app = asgi  # type: ignore[method-assign,assignment]
