"""Accounts: look-ups and the password re-hash after a parameter change."""

from __future__ import annotations

import operator
from datetime import datetime
from typing import Any

from auth_svc.lookups import account_lookups
from auth_svc.lookups.write_through import Condition
from auth_svc.models.documents import UserDocument, as_utc


async def select_user_by_email(email: str) -> UserDocument | None:
    return await account_lookups().user_by_email(email)


async def select_user_by_id(user_id: str) -> UserDocument | None:
    return await account_lookups().user_by_id(user_id)


async def update_password_hash_if_unchanged(user_id: str, old_hash: str, new_hash: str) -> None:
    """Swap in a hash with current parameters unless the password changed meanwhile."""
    await update_user(user_id, {"password_hash": new_hash}, ("password_hash", "eq", old_hash))


_COMPARED = {"lt": operator.lt, "le": operator.le, "eq": operator.eq}
_IN_QUERY = {"lt": "$lt", "le": "$lte", "eq": "$eq"}


async def update_user(
    user_id: str, fields: dict[str, Any], condition: Condition | None = None
) -> None:
    """``$set`` on the account where ``condition`` holds, then into the account index.

    The store decides the condition where it serves it (MongoDB: atomic, on the ``_id``
    index). Where it does not (``store_decides_conditions`` false: FerretDB, whose
    conditional update is not atomic either, service_kit/storage/store_compat.py 1, and
    decodes every account for it: 0.39 s at 10,000 against 0.06 s for a lone ``_id``,
    bench/account_writes.py), the index, never older than the store, decides."""
    lookups = account_lookups()
    query: dict[str, Any] = {"_id": user_id}
    if condition is not None:
        name, op, value = condition
        if lookups.store_decides_conditions:
            query[name] = {_IN_QUERY[op]: value}
        else:
            user = await lookups.user_by_id(user_id)
            stored = None if user is None else getattr(user, name)
            if isinstance(stored, datetime):
                stored = as_utc(stored)
            if stored is not None and not _COMPARED[op](stored, value):
                return
    result = await UserDocument.get_pymongo_collection().update_one(query, {"$set": fields})
    if result.matched_count:
        await lookups.updated("users", user_id, fields, condition)
