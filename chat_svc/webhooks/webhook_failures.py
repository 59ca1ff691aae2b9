"""Deliveries given up on (after the retry window): kept for administrators (/admin/bots),
besides the copy in DEAD_LETTERS."""

from __future__ import annotations

from datetime import datetime

from beanie import Document

from chat_svc.tokens.token_records import now

SHOWN = 50


class WebhookFailure(Document):
    bot_id: str
    bot_name: str
    room: str
    message_id: int
    reason: str
    failed_at: datetime

    class Settings:
        name = "webhook_failures"


async def insert_failure(
    bot_id: str, bot_name: str, room: str, message_id: int, reason: str
) -> None:
    await WebhookFailure(
        bot_id=bot_id,
        bot_name=bot_name,
        room=room,
        message_id=message_id,
        reason=reason[:500],
        failed_at=now(),
    ).insert()


async def select_recent_failures() -> list[WebhookFailure]:
    return await WebhookFailure.find().sort("-failed_at").limit(SHOWN).to_list()
