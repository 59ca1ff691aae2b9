"""``GET /api/v1/events``: live events for integrations, as JSON. Without ``room``: every
room the token's person belongs to (api/every_room_stream.py); with ``?room=<slug>``: that
room alone, with the page's ids and resume (``Last-Event-ID`` or ``?after=``). Both ride the
page's stream machinery (chat_svc/live/): the same subscriptions, order and fan-out. Only
the payload differs: each message frame carries its message (live/sse_frames.MessageFrame),
sent here as the API's message JSON, encoded once per frame however many API streams get
it. Frames for people (who is here, typing, unread counts) are not sent; heartbeats are.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

from quart import Response, request

from chat_svc.actions.message_feed import TooFarBehindError
from chat_svc.api.api_rooms import visible_room
from chat_svc.api.bearer_auth import bearer_token, caller
from chat_svc.api.event_frames import json_frame, shared_json_frame
from chat_svc.api.every_room_clients import EveryRoomOutlet
from chat_svc.api.every_room_stream import EveryRoomStream, resume_positions
from chat_svc.api.problems import ApiProblem
from chat_svc.live.sse_frames import HEARTBEAT, MessageFrame, frame
from chat_svc.live.stream_client import NOTHING_SENT, StreamClient
from chat_svc.live.stream_limits import client_address
from chat_svc.services import services_of
from chat_svc.tokens.token_runtime import tokens_of
from service_kit.serving.strict_ids import parse_id

RETRY_MILLISECONDS = 2000
TOO_FAR_BEHIND = frame("too-far-behind", "read the missed messages with GET .../messages")


class ApiStreamClient(StreamClient):
    __slots__ = ()

    def offer(self, message_id: int, data: bytes) -> None:
        if isinstance(data, MessageFrame):
            data = shared_json_frame(data, with_id=True)
        elif message_id == 0 and data is not HEARTBEAT:
            return  # presence, typing, counts: the page's, not an integration's
        super().offer(message_id, data)


def resume_point() -> int | None:
    """``Last-Event-ID`` wins over ``?after=``, as on the page's stream."""
    for candidate in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if (after_id := parse_id(candidate)) is not None:
            return after_id
    return None


async def backlog(client: StreamClient, after_id: int | None) -> bytes:
    if after_id is None:
        client.go_live(NOTHING_SENT)
        return b""
    client.resumed_after = after_id
    services = services_of()
    missed = await services.actions.messages.after(
        client.room, after_id, services.settings.max_resume_backlog
    )
    sent = {m.message_id for m in missed} | {m.stream_id for m in missed}
    client.go_live(frozenset(sent))
    return b"".join(json_frame(m, m.message_id <= after_id, m.stream_id) for m in missed)


def admit(client: StreamClient) -> str:
    """The page's limits: a token keeps its newest N streams, an address holds at most M."""
    address = client_address(request.scope)
    if not services_of().live.stream_limits.admit(client, address):
        raise ApiProblem(
            429, "too_many_streams", **{"Retry-After": str(RETRY_MILLISECONDS // 1000)}
        )
    return address


def sse_response(
    opening: bytes,
    next_chunk: Callable[[], Awaitable[bytes | None]],
    end: Callable[[], Awaitable[None]],
) -> Response:
    token, tokens = bearer_token() or "", tokens_of()  # the body is sent outside the app context
    recheck_seconds = services_of().settings.heartbeat_seconds

    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n".encode() + opening
            if opening is TOO_FAR_BEHIND:
                return
            checked = time.monotonic()
            while (chunk := await next_chunk()) is not None:
                yield chunk
                # A revoked token's stream ends by the next heartbeat or so (revocations
                # are not broadcast to streams; each check is one Valkey read).
                if time.monotonic() - checked > recheck_seconds:
                    checked = time.monotonic()
                    if await tokens.holder_of(token) is None:
                        return
        finally:
            await end()

    response = Response(chunks(), content_type="text/event-stream; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache, no-store"
    response.headers["X-Accel-Buffering"] = "no"
    response.timeout = None  # an open stream lasts as long as the integration listens
    return response


async def event_stream() -> Response:
    """Events of every room the token's person belongs to, or of ``room`` alone, as SSE."""
    if "room" not in request.args:
        return await every_room_stream()
    room, _ = await visible_room(request.args["room"])
    services, viewer = services_of(), caller()
    client = ApiStreamClient(
        viewer.session_id, services.settings.client_buffer_frames, viewer.user_id, room.slug
    )
    live = services.live
    address = admit(client)
    live.fanout.add(client)  # before the backlog is read: nothing falls in between

    async def end() -> None:
        live.fanout.remove(client)
        live.stream_limits.release(client, address)
        await live.subscriptions.release([room.slug])

    try:
        await live.subscriptions.follow([room.slug])
        try:
            opening = await backlog(client, resume_point())
        except TooFarBehindError:
            opening = TOO_FAR_BEHIND
    except BaseException:
        await end()
        raise
    return sse_response(opening, client.next_chunk, end)


async def every_room_stream() -> Response:
    services, viewer = services_of(), caller()
    outlet = EveryRoomOutlet(
        viewer.session_id, services.settings.client_buffer_frames, viewer.user_id
    )
    live = services.live
    address = admit(outlet)
    live.fanout.add(outlet)
    stream = EveryRoomStream(services, outlet)

    async def end() -> None:
        live.stream_limits.release(outlet, address)
        await live.subscriptions.release(stream.close())

    async def next_chunk() -> bytes | None:
        while (chunk := await outlet.next_chunk()) == b"":
            await stream.update()  # the person joined or left a room
        return chunk

    try:
        await stream.open(resume_positions())
    except BaseException:
        await end()
        raise
    return sse_response(b"", next_chunk, end)
