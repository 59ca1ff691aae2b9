"""The API stream's frames: a message as the API's JSON (``MessageOut``) instead of the
page's HTML, encoded once per fanned-out frame however many API streams get it."""

from __future__ import annotations

from chat_svc.api.api_schemas import MessageOut
from chat_svc.live.sse_frames import MessageFrame, frame
from chat_svc.models.messages import MessageRecord


def json_frame(message: MessageRecord, replace: bool, event_id: int | None) -> bytes:
    kind = "message-changed" if replace else "message"
    return frame(kind, MessageOut.of(message).model_dump_json(), event_id=event_id)


def shared_json_frame(data: MessageFrame, with_id: bool) -> bytes:
    """``with_id``: the room's own id (``?room=``); without, the every-room stream stamps
    its own map of positions on it."""
    key = "json" if with_id else "json_without_id"
    as_json = data.__dict__.get(key)
    if as_json is None:
        assert isinstance(data.record, MessageRecord)
        event_id = data.record.stream_id if with_id else None
        as_json = data.__dict__[key] = json_frame(data.record, data.replaces, event_id)
    assert isinstance(as_json, bytes)
    return as_json
