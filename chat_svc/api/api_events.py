"""``GET /api/v1/events?room=<slug>``: a room's live events for integrations, as JSON. The
page's own stream machinery (chat_svc/live/): the same subscription, order and fan-out, the
same ids, the same resume (``Last-Event-ID`` or ``?after=``). Only the payload differs: each
message frame carries its message (live/sse_frames.MessageFrame), sent here as the API's
message JSON, encoded once per frame however many API streams get it. Frames for people
(who is here, typing, unread counts) are not sent; heartbeats are.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from quart import Response, request

from chat_svc.actions.message_feed import TooFarBehindError
from chat_svc.api.api_rooms import visible_room
from chat_svc.api.api_schemas import MessageOut
from chat_svc.api.bearer_auth import bearer_token, caller
from chat_svc.api.problems import ApiProblem
from chat_svc.live.sse_frames import HEARTBEAT, MessageFrame, frame
from chat_svc.live.stream_client import NOTHING_SENT, StreamClient
from chat_svc.live.stream_limits import client_address
from chat_svc.models.messages import GENERAL, MessageRecord
from chat_svc.services import services_of
from chat_svc.tokens.token_runtime import tokens_of
from service_kit.serving.strict_ids import parse_id

RETRY_MILLISECONDS = 2000
TOKEN_RECHECK_SECONDS = 10.0
TOO_FAR_BEHIND = frame("too-far-behind", "read the missed messages with GET .../messages")


def json_frame(message: MessageRecord, replace: bool) -> bytes:
    kind = "message-changed" if replace else "message"
    return frame(kind, MessageOut.of(message).model_dump_json(), event_id=message.stream_id)


class ApiStreamClient(StreamClient):
    __slots__ = ()

    def offer(self, message_id: int, data: bytes) -> None:
        if isinstance(data, MessageFrame):
            as_json = data.__dict__.get("json")
            if as_json is None:  # once per frame, for every API stream of the room
                assert isinstance(data.record, MessageRecord)
                as_json = data.__dict__["json"] = json_frame(data.record, data.replaces)
            data = as_json
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
    return b"".join(json_frame(m, m.message_id <= after_id) for m in missed)


async def event_stream() -> Response:
    """Events of one room the token can read (``room``, general by default), as SSE."""
    room, _ = await visible_room(request.args.get("room", GENERAL))
    services, viewer, token = services_of(), caller(), bearer_token() or ""
    client = ApiStreamClient(
        viewer.session_id, services.settings.client_buffer_frames, viewer.user_id, room.slug
    )
    live = services.live
    # The page's limits: a token keeps its newest N streams, an address holds at most M.
    address = client_address(request.scope)
    if not live.stream_limits.admit(client, address):
        raise ApiProblem(
            429, "too_many_streams", **{"Retry-After": str(RETRY_MILLISECONDS // 1000)}
        )
    live.fanout.add(client)  # before the backlog is read: nothing falls in between
    try:
        await live.subscriptions.follow([room.slug])
        try:
            opening = await backlog(client, resume_point())
        except TooFarBehindError:
            opening = TOO_FAR_BEHIND
    except BaseException:
        live.fanout.remove(client)
        live.stream_limits.release(client, address)
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n".encode() + opening
            if opening is TOO_FAR_BEHIND:
                return
            checked = time.monotonic()
            while (chunk := await client.next_chunk()) is not None:
                yield chunk
                # A revoked token's stream ends by the next heartbeat or so (revocations
                # are not broadcast to streams; each check is one Valkey read).
                if time.monotonic() - checked > TOKEN_RECHECK_SECONDS:
                    checked = time.monotonic()
                    if await tokens_of().holder_of(token) is None:
                        return
        finally:
            live.fanout.remove(client)
            live.stream_limits.release(client, address)
            await live.subscriptions.release([room.slug])

    response = Response(chunks(), content_type="text/event-stream; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache, no-store"
    response.headers["X-Accel-Buffering"] = "no"
    response.timeout = None  # an open stream lasts as long as the integration listens
    return response
