"""Accounts: look-ups and the password re-hash after a parameter change."""

from __future__ import annotations

from auth_svc.lookups import account_lookups
from auth_svc.lookups.write_through import Condition
from auth_svc.models.documents import UserDocument


async def select_user_by_email(email: str) -> UserDocument | None:
    return await account_lookups().user_by_email(email)


async def select_user_by_id(user_id: str) -> UserDocument | None:
    return await account_lookups().user_by_id(user_id)


async def update_password_hash_if_unchanged(user_id: str, old_hash: str, new_hash: str) -> None:
    """Swap in a hash with current parameters unless the password changed meanwhile."""
    result = await UserDocument.get_pymongo_collection().update_one(
        {"_id": user_id, "password_hash": old_hash}, {"$set": {"password_hash": new_hash}}
    )
    if result.matched_count:
        condition: Condition = ("password_hash", "eq", old_hash)
        await account_lookups().updated("users", user_id, {"password_hash": new_hash}, condition)
