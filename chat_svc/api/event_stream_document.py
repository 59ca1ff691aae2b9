"""``GET /api/v1/events`` in the OpenAPI document, under the extension ``x-event-streams``
rather than ``paths``: a stream never ends, so tools that call every path (the route walk,
the fuzzing, schemathesis) must not find it there; the reference page renders it from here."""

from __future__ import annotations

from typing import Any

RESUME = (
    "Every room (no `room`): each event's `id` is the map of per-room positions, "
    "`general:105,ops:88` (ids are numbered per room, so one number cannot order two rooms, "
    "and `<room>:<id>` would resume only the last event's room). A `rooms` event opens the "
    "stream and follows each join or leave: the person's rooms as a JSON list, with an id "
    "naming every room. Reconnect with `Last-Event-ID` (or `?after=`) set to the last id to "
    'get exactly what each room missed; `too-far-behind` (`{"room", "after"}`) means too '
    "much was missed in that room: read it with `GET /api/v1/rooms/<slug>/messages?after=<id>`; "
    "the stream goes on from now. With `room`: that room alone, ids are its message ids, "
    "`Last-Event-ID` (or `?after=`) one id."
)

EVENT_STREAMS: dict[str, Any] = {
    "/api/v1/events": {
        "get": {
            "summary": "Live events of every room the token's person belongs to, or of one",
            "description": (
                "Server-sent events: `message` (a new message) and `message-changed` (an edit "
                "or a deletion), each with the message's JSON (MessageOut, with its `room`); "
                "heartbeats every few seconds; the stream ends when the token is revoked. " + RESUME
            ),
            "parameters": [
                {"name": "room", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "after", "in": "query", "required": False, "schema": {"type": "string"}},
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The stream",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                },
                "404": {"description": "`room` is unknown or hidden from the token's person"},
                "429": {"description": "Too many streams from this address"},
            },
        }
    }
}
