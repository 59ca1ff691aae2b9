"""``GET /rooms/<slug>/events`` (and ``GET /events``, general's): the live stream of one
room plus the person's unread counts of their other rooms, served as plain ASGI to keep each
client cheap.

Quart's response machinery costs far more per write than the bytes themselves, and one
message is written to every open stream, so this path does only: check the session (cached)
and the membership, replay what the client missed, then write the frames the fanout queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qs

from pymongo.errors import ConnectionFailure, ExecutionTimeout
from quart import Quart

from chat_svc.actions.message_feed import CACHE_ERRORS, TooFarBehindError
from chat_svc.auth.auth_client import AuthUnavailableError, Viewer
from chat_svc.auth.viewers import sign_in_url
from chat_svc.live.fanout import rooms_of
from chat_svc.live.socket_writes import direct_sink, direct_writes_possible
from chat_svc.live.sse_frames import STREAM_HEADERS, frame
from chat_svc.live.stream_client import NOTHING_SENT, CloseReason, StreamClient
from chat_svc.live.stream_limits import TOO_MANY_STREAMS, client_address
from chat_svc.models.memberships import select_memberships_of
from chat_svc.models.messages import GENERAL
from chat_svc.services import ChatServices, services_of
from chat_svc.web.cookies import (
    cookie_header_of,
    cookie_value,
    reads_from_screen,
    session_cookie_name,
)
from service_kit.serving.raw_asgi import Receive, Scope, Send, first_header
from service_kit.serving.strict_ids import parse_id

log = logging.getLogger(__name__)

EVENTS_PATH = "/events"  # general's, from before rooms
ROOM_EVENTS_PATH = re.compile(r"^/rooms/([a-z0-9][a-z0-9-]{0,63})/events$")
RETRY_MILLISECONDS = 2000
RELOAD = frame("reload", "too far behind")
DATABASE_ERRORS = (ConnectionFailure, ExecutionTimeout)
GONE = frame("gone", "no longer a member")
# An unknown room and a room hidden from this person answer exactly the same.
NOT_FOUND = b"Page not found: there is nothing at this address."


def room_of_path(path: str) -> str | None:
    if path == EVENTS_PATH:
        return GENERAL
    match = ROOM_EVENTS_PATH.match(path)
    return match.group(1) if match else None


def _header(scope: Scope, name: bytes) -> str | None:
    value = first_header(scope["headers"], name)
    return value.decode("latin-1") if value is not None else None


def _session_token(scope: Scope, services: ChatServices) -> str | None:
    return cookie_value(cookie_header_of(scope["headers"]), session_cookie_name(services.settings))


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


async def stream_events(
    app: Quart, scope: Scope, receive: Receive, send: Send, room: str = GENERAL
) -> None:
    services = services_of(app)
    token = _session_token(scope, services)
    try:
        viewer = await services.auth.check(token) if token else None
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
        await services.actions.visitors.remember_user(viewer)
        access = await _visible_room_memberships(services, viewer, room)
    except DATABASE_ERRORS as error:
        log.warning("event stream refused, database unavailable: %s", error)
        await _answer(send, 503, b"database unavailable", event_stream=False)
        return
    if access is None:
        await _answer(send, 404, NOT_FOUND, event_stream=False)
        return
    others, member = access
    # This frame lives as long as the stream: what it no longer needs is not kept in it.
    del access

    client = StreamClient(
        viewer.session_id, services.settings.client_buffer_frames, viewer.user_id, room
    )
    address = client_address(scope)
    if not services.live.stream_limits.admit(client, address):
        await _answer(send, 429, b"too many live streams from this address", event_stream=False)
        return
    client.expect_counts(others)
    del others
    services.live.fanout.add(client)  # before reading counts and backlog: nothing falls in between
    # Under uvicorn the stream's own task notices a disconnect (live/socket_writes.py);
    # elsewhere a second task watches for it.
    watcher = (
        None
        if direct_writes_possible(send)
        else asyncio.create_task(_watch_disconnect(receive, client))
    )
    after_id = resume_point(scope)
    # This browser reports what was on screen (web/cookies.py): what the stream showed is
    # not read for that alone.
    marks_read = member and not reads_from_screen(cookie_header_of(scope["headers"]))
    try:
        await services.live.presence.arrive(client, viewer.display_name)
        await services.live.subscriptions.follow(rooms_of([client]))
        await _count_other_rooms(services, client, viewer)
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        opening = f"retry: {RETRY_MILLISECONDS}\n\n".encode() + await _backlog(
            services, client, after_id
        )
        await send({"type": "http.response.body", "body": opening, "more_body": True})
        sink = direct_sink(send) if watcher is None else None
        if sink is not None:
            client.sink = sink
            # An open stream lasts hours and needs none of the request's headers (about
            # 2.8 KB from a browser: cookies, user agent, client hints); uvicorn keeps them
            # until the connection's next request.
            scope["headers"].clear()
            # The fan-out writes the live chunks; this task waits for the end (a disconnect,
            # or a close woken through the sink) and sends what the fan-out could not write
            # (the transport had paused writing, or frames came before the opening).
            # Inline, not a coroutine of its own: its frame would live as long as the stream.
            while client.close_reason is None:
                if client.pending:
                    client.sending = True
                    try:
                        body = client.take()
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                    finally:
                        client.sending = False
                elif sink.disconnected():
                    client.close(CloseReason.DISCONNECTED)
                else:
                    await sink.wait()
        else:
            while (chunk := await client.next_chunk()) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": _farewell(client), "more_body": False})
    finally:
        client.sink = None
        services.live.fanout.remove(client)
        await services.live.presence.leave(client)
        services.live.stream_limits.release(client, address)
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await services.live.subscriptions.release(rooms_of([client]))
        if marks_read and client.seen_id > (after_id or 0):
            await _read_what_was_shown(services, client)


async def _visible_room_memberships(
    services: ChatServices, viewer: Viewer, room: str
) -> tuple[set[str], bool] | None:
    """The person's other rooms and whether ``room`` is one of theirs; None when the room
    is unknown or hidden. From Redis (reads/person_rooms.py), rebuilt from the store."""
    found = await services.reads.access.room(room)
    # The person's rooms are read for a missing room too: a hidden one takes no longer.
    try:
        places = (await services.reads.people.copy_of(viewer.user_id)).places
    except CACHE_ERRORS as error:
        # Only the memberships: a storm of streams meeting a busy Redis must not turn into
        # a count of every room's messages per stream (a scan each on FerretDB).
        log.warning("event stream: rooms read from the store, Redis unavailable: %s", error)
        places = {m.room: m for m in await select_memberships_of(viewer.user_id)}
    if found is None:
        return None
    member = room in places
    services.reads.access.remember(viewer.user_id, room, member)
    if not member and found.kind != "open":
        return None
    return set(places) - {room}, member


async def _count_other_rooms(services: ChatServices, client: StreamClient, viewer: Viewer) -> None:
    """The sidebar of this tab: counts of the person's other rooms, read once the client is
    in the fanout (the page's may already be stale: a stream of another room that just
    ended marked it read). From Redis (reads/room_snapshot.py)."""
    try:
        snapshot = await services.reads.snapshots.take(viewer.user_id, None)
        unread, mentions = snapshot.unread, snapshot.mentions
    except (*CACHE_ERRORS, *DATABASE_ERRORS) as error:
        # Counts are a courtesy (the page drew them; the next message brings them): not
        # read from the store, where they cost a scan per stream, many at once in a storm.
        log.warning("event stream: no unread counts for now: %s", error)
        unread, mentions = {}, {}
    client.start_counts(
        {k: v for k, v in unread.items() if k in client.unread},
        {k: v for k, v in mentions.items() if k in client.unread},
    )


async def _read_what_was_shown(services: ChatServices, client: StreamClient) -> None:
    """A member had the room open: what the stream showed was read."""
    try:
        await services.actions.memberships.read(client.room, client.user_id, client.seen_id)
    except Exception as error:  # the next opening of the room marks it read anyway
        log.warning("read position not stored: %s", error, extra={"room": client.room})


async def _backlog(services: ChatServices, client: StreamClient, after_id: int | None) -> bytes:
    if after_id is None:
        client.go_live(NOTHING_SENT)
        return b""
    client.resumed_after = after_id
    try:
        missed = await services.actions.messages.after(
            client.room, after_id, services.settings.max_resume_backlog
        )
    except TooFarBehindError:
        client.close(CloseReason.TOO_SLOW)
        return b""
    except DATABASE_ERRORS as error:
        # Neither cache nor database can say what was missed: end the stream; the browser
        # retries with the same Last-Event-ID a moment later.
        log.warning("event stream: resume postponed, database unavailable: %s", error)
        client.close(CloseReason.DISCONNECTED)
        return b""
    renderer = services.live.subscriptions.renderer
    # Both ids of an edited message: neither its post nor its edit is sent again live.
    sent = {m.message_id for m in missed} | {m.stream_id for m in missed}
    client.go_live(frozenset(sent))
    # A message the client already has (posted up to ``after_id``) is swapped in place.
    return b"".join(renderer.frame(m, replace=m.message_id <= after_id) for m in missed)


def _farewell(client: StreamClient) -> bytes:
    if client.close_reason is CloseReason.TOO_SLOW:
        return RELOAD
    if client.close_reason is CloseReason.SIGNED_OUT:
        return frame("signed-out", "signed out")
    if client.close_reason is CloseReason.TOO_MANY_STREAMS:
        return TOO_MANY_STREAMS
    if client.close_reason is CloseReason.GONE:
        return GONE
    return b""


async def _watch_disconnect(receive: Receive, client: StreamClient) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            client.close(CloseReason.DISCONNECTED)
            return


class LiveDelivery:
    """Live delivery as its own small ASGI app: ``GET /events`` and
    ``GET /rooms/<slug>/events``, each request one stream; 404 for any other path."""

    def __init__(self, app: Quart) -> None:
        self._app = app  # whose services (built at start-up) the streams use

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        room = room_of_path(scope["path"])
        if room is None:
            return _answer(send, 404, NOT_FOUND, event_stream=False)
        return stream_events(self._app, scope, receive, send, room)


def is_live_request(scope: Scope) -> bool:
    """The requests ``LiveDelivery`` serves. Asked of every request: the suffix test spares
    the others the pattern."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    path: str = scope["path"]
    return path.endswith("/events") and (
        path == EVENTS_PATH or ROOM_EVENTS_PATH.match(path) is not None
    )
