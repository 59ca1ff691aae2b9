"""Verification and reset tokens: checked by the store, spent exactly once.

Spending is a claim (an insert into a unique index, see service_kit/store_compat): a
conditional update is not atomic on FerretDB, so two clicks at once could both succeed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from auth_svc.lookups import account_lookups
from auth_svc.lookups.write_through import Condition
from auth_svc.models.documents import PasswordResetDocument, SignUpDocument, as_utc
from service_kit.events import utc_now
from service_kit.storage.store_compat import claim_once

MailedToken = TypeVar("MailedToken", SignUpDocument, PasswordResetDocument)


def _usable(found: MailedToken | None, now: datetime) -> MailedToken | None:
    if found is None or found.used_at is not None or as_utc(found.expires_at) <= now:
        return None
    return found


async def select_usable_sign_up(token_hash: str) -> SignUpDocument | None:
    return _usable(await account_lookups().sign_up_by_token(token_hash), utc_now())


async def select_spent_sign_up(token_hash: str) -> SignUpDocument | None:
    """The sign-up this token already completed (used, expired or not), if any."""
    found = await account_lookups().sign_up_by_token(token_hash)
    return found if found is not None and found.used_at is not None else None


async def select_usable_password_reset(token_hash: str) -> PasswordResetDocument | None:
    return _usable(await account_lookups().password_reset_by_token(token_hash), utc_now())


async def _consume(document: type[MailedToken], kind: str, token_hash: str) -> MailedToken | None:
    now = utc_now()
    lookups = account_lookups()
    by_token = lookups.sign_up_by_token if kind == "sign_up" else lookups.password_reset_by_token
    found = _usable(await by_token(token_hash), now)
    if found is None or not await claim_once(f"{kind}:{token_hash}"):
        return None
    result = await document.get_pymongo_collection().update_one(
        {"_id": found.id, "token_hash": token_hash}, {"$set": {"used_at": now}}
    )
    if result.matched_count:
        collection = "sign_ups" if kind == "sign_up" else "password_resets"
        condition: Condition = ("token_hash", "eq", token_hash)
        await lookups.updated(collection, found.id, {"used_at": now}, condition)
    return found


async def consume_sign_up_token(token_hash: str) -> SignUpDocument | None:
    """Mark the token used and return its sign-up; None when unknown, used or expired."""
    return await _consume(SignUpDocument, "sign_up", token_hash)


async def consume_password_reset_token(token_hash: str) -> PasswordResetDocument | None:
    return await _consume(PasswordResetDocument, "password_reset", token_hash)
