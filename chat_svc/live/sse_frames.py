"""Server-sent event framing: bytes ready to write, built once per message per replica."""

from __future__ import annotations

# An event, not a comment: the page can see it, and says so when two in a row are missed.
HEARTBEAT = b"event: heartbeat\ndata: \n\n"
STREAM_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    (b"x-accel-buffering", b"no"),  # nginx and friends: do not buffer the stream
    (b"x-content-type-options", b"nosniff"),
]


class MessageFrame(bytes):
    """A message's rendered frame that also carries the message: an API stream
    (chat_svc/api/api_events.py) sends it as JSON from the same fan-out."""

    record: object  # models/messages.MessageRecord
    replaces: bool  # an edit or deletion (not "replace": bytes has that method)


def frame(event: str, data: str, event_id: int | None = None) -> bytes:
    """One event; every line of ``data`` becomes its own ``data:`` line."""
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = "".join(f"data: {line}\n" for line in lines)
    return f"{head}event: {event}\n{body}\n".encode()
