"""The event the worker makes thumbnails from (chat_svc/events.py's rules: frozen, typed,
past tense, one subject), on CHAT_EVENTS for the durable ``chat_svc_files``."""

from __future__ import annotations

from typing import ClassVar

from service_kit.events import Event


class FileAttached(Event):
    """An uploaded file became part of a stored message: make its thumbnail."""

    SUBJECT: ClassVar[str] = "chat.file.attached"
    file_id: str
    room: str
    message_id: int
