"""What JetStream holds on a subject, read back the way an operator would."""

from __future__ import annotations

from nats.aio.msg import Msg
from nats.js import JetStreamContext


async def stored_messages(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    """Every message ``stream`` holds on ``subject`` (a wildcard too), oldest first: as many
    as the stream counts, so reading ends without waiting for a timeout."""
    info = await js.stream_info(stream, subjects_filter=subject)
    count = sum((info.state.subjects or {}).values())
    subscription = await js.subscribe(subject, stream=stream, ordered_consumer=True)
    try:
        return [await subscription.next_msg(timeout=5) for _ in range(count)]
    finally:
        await subscription.unsubscribe()
