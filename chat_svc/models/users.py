"""Chat's own copy of the people who can chat (filled from UserCreated and token checks)."""

from __future__ import annotations

from collections.abc import Iterable

from beanie import Document, Indexed

from chat_svc.people_directory.installation import person_changed
from service_kit.people.email_addresses import normalise_email
from service_kit.storage.store_compat import upsert_retrying


class ChatUser(Document):
    user_id: Indexed(str, unique=True)  # type: ignore[valid-type]
    email: Indexed(str)  # type: ignore[valid-type]
    display_name: str
    role: str = "member"  # auth's account role, copied; "bot": chat_svc/bots/
    deactivated: bool = False  # set and cleared by chat_svc/administration/

    class Settings:
        name = "users"


async def upsert_user(user_id: str, email: str, display_name: str) -> None:
    """Idempotent: the same user arriving twice (event redelivery, token check) stays one."""
    email = normalise_email(email)
    await upsert_retrying(
        ChatUser.get_pymongo_collection(),
        {"user_id": user_id},
        {"$set": {"email": email, "display_name": display_name}},
    )
    await person_changed(user_id, display_name=display_name, email=email)


async def set_role(user_id: str, role: str) -> None:
    """The account's role, from auth's UserCreated or UserRoleChanged (or an administrator's
    change, written here too so the next page of any replica reads it)."""
    await ChatUser.get_pymongo_collection().update_one(
        {"user_id": user_id}, {"$set": {"role": role}}
    )
    await person_changed(user_id, role=role)


async def set_display_name(user_id: str, display_name: str) -> None:
    await ChatUser.get_pymongo_collection().update_one(
        {"user_id": user_id}, {"$set": {"display_name": display_name}}
    )
    await person_changed(user_id, display_name=display_name)


async def set_deactivated(user_id: str, deactivated: bool) -> None:
    await ChatUser.get_pymongo_collection().update_one(
        {"user_id": user_id}, {"$set": {"deactivated": deactivated}}
    )
    await person_changed(user_id, deactivated=deactivated)


async def select_user(user_id: str) -> ChatUser | None:
    return await ChatUser.find_one(ChatUser.user_id == user_id)


async def count_users(user_id: str) -> int:
    return await ChatUser.find(ChatUser.user_id == user_id).count()


async def select_display_names(user_ids: Iterable[str]) -> dict[str, str]:
    """Display name by user id, for those of ``user_ids`` chat knows and who are active
    (mentions and their suggestions leave deactivated people out)."""
    rows = ChatUser.get_pymongo_collection().find(
        {"user_id": {"$in": list(user_ids)}, "deactivated": {"$ne": True}},
        {"user_id": 1, "display_name": 1, "_id": 0},
    )
    return {str(row["user_id"]): str(row["display_name"]) async for row in rows}


async def select_users_in(user_ids: Iterable[str]) -> dict[str, ChatUser]:
    found = await ChatUser.find({"user_id": {"$in": list(user_ids)}}).to_list()
    return {user.user_id: user for user in found}


async def select_people() -> list[ChatUser]:
    """Everyone, by display name (the people page)."""
    return await ChatUser.find().sort("+display_name").to_list()
