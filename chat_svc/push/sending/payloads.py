"""What a push says (JSON the service worker shows): who, where and the first 120
characters, or only "New message in <room>" for people who hide message text."""

from __future__ import annotations

import json

PREVIEW_CHARS = 120


def message_payload(
    *, room: str, where: str, direct: bool, author: str, body: str, message_id: int, hide_text: bool
) -> bytes:
    if hide_text:
        title, text = f"New message in {where}", ""
    else:
        title = author if direct else f"{author} in {where}"
        text = body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1] + "…"
    return _payload(room, title, text, message_id)


def coalesced_payload(*, room: str, where: str, count: int, message_id: int) -> bytes:
    title = f"{count} new messages in {where}" if count > 1 else f"New message in {where}"
    return _payload(room, title, "", message_id)


def _payload(room: str, title: str, body: str, message_id: int) -> bytes:
    content = {
        "title": title,
        "body": body,
        "room": room,
        "message_id": message_id,
        "url": f"/rooms/{room}#message-{message_id}",
        "tag": f"room-{room}",  # a newer push about the room replaces the older one
    }
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()
