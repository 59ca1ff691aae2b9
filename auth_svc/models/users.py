"""Accounts: look-ups and the password re-hash after a parameter change."""

from __future__ import annotations

from auth_svc.models.documents import UserDocument


async def select_user_by_email(email: str) -> UserDocument | None:
    # PyMongo directly: beanie's query layer was half of this read's event-loop time, and
    # every sign-in makes it (py-spy under the sign-in benchmark).
    found = await UserDocument.get_pymongo_collection().find_one({"email": email})
    return None if found is None else UserDocument.model_validate(found)


async def select_user_by_id(user_id: str) -> UserDocument | None:
    return await UserDocument.find_one({"_id": user_id})


async def update_password_hash_if_unchanged(user_id: str, old_hash: str, new_hash: str) -> None:
    """Swap in a hash with current parameters unless the password changed meanwhile."""
    await UserDocument.get_pymongo_collection().update_one(
        {"_id": user_id, "password_hash": old_hash}, {"$set": {"password_hash": new_hash}}
    )
