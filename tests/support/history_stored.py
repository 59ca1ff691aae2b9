"""Waiting for the history writer (chat_svc/history_writer/): with posts acknowledged by the
log, the database gets a message a moment after the post's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from chat_svc.models.messages import MessageRecord, select_message

POLL_SECONDS = 0.05


async def stored_when_written(
    room: str,
    message_id: int,
    until: Callable[[MessageRecord], bool] = lambda _: True,
    timeout: float = 15.0,
) -> MessageRecord:
    """The stored message once it is there (and ``until`` holds: an edit written too)."""
    async with asyncio.timeout(timeout):
        while True:
            stored = await select_message(room, message_id)
            if stored is not None and until(stored):
                return stored
            await asyncio.sleep(POLL_SECONDS)
