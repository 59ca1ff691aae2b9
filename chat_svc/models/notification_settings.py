"""Each person's notification choices; a person without a document has the defaults
(mention e-mails on). Their own collection, so no other write to a person's documents can
undo a change here (service_kit/storage/store_compat.py, 1.)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from beanie import Document

from service_kit.storage.store_compat import upsert_retrying


class NotificationSettings(Document):
    id: str  # type: ignore[assignment]  # the user id
    mention_emails: bool = True
    changed_at: datetime

    class Settings:
        name = "notification_settings"


async def select_mention_emails_on(user_id: str) -> bool:
    found = await NotificationSettings.get_pymongo_collection().find_one({"_id": user_id})
    return True if found is None else bool(found.get("mention_emails", True))


async def select_mention_emails_off(user_ids: Iterable[str]) -> set[str]:
    """Those of ``user_ids`` who turned mention e-mails off, in one read."""
    rows = NotificationSettings.get_pymongo_collection().find(
        {"_id": {"$in": list(user_ids)}, "mention_emails": False}, {"_id": 1}
    )
    return {str(row["_id"]) async for row in rows}


async def set_mention_emails(user_id: str, on: bool) -> None:
    await upsert_retrying(
        NotificationSettings.get_pymongo_collection(),
        {"_id": user_id},
        {"$set": {"mention_emails": on, "changed_at": datetime.now(UTC)}},
    )
