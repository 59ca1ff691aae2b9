"""Each person's push preferences: "hide message text" (off unless chosen). Their own
collection, beside the e-mail settings, so neither write can undo the other."""

from __future__ import annotations

from collections.abc import Iterable

from beanie import Document

from service_kit.storage.store_compat import upsert_retrying


class PushPreferences(Document):
    id: str  # type: ignore[assignment]  # the user id
    hide_text: bool = False

    class Settings:
        name = "push_preferences"


async def select_hide_text(user_id: str) -> bool:
    found = await PushPreferences.get_pymongo_collection().find_one({"_id": user_id})
    return found is not None and bool(found.get("hide_text"))


async def select_hiding_text(user_ids: Iterable[str]) -> set[str]:
    rows = PushPreferences.get_pymongo_collection().find(
        {"_id": {"$in": list(user_ids)}, "hide_text": True}, {"_id": 1}
    )
    return {str(row["_id"]) async for row in rows}


async def set_hide_text(user_id: str, hide: bool) -> None:
    await upsert_retrying(
        PushPreferences.get_pymongo_collection(), {"_id": user_id}, {"$set": {"hide_text": hide}}
    )
