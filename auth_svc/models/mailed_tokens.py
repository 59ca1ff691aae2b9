"""Verification and reset tokens: checked by the store, spent exactly once.

Spending is a claim (an insert into a unique index, see service_kit/store_compat): a
conditional update is not atomic on FerretDB, so two clicks at once could both succeed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from auth_svc.models.documents import PasswordResetDocument, SignUpDocument
from service_kit.events import utc_now
from service_kit.storage.store_compat import claim_once

MailedToken = TypeVar("MailedToken", SignUpDocument, PasswordResetDocument)


def _usable(token_hash: str, now: datetime) -> dict[str, object]:
    return {"token_hash": token_hash, "used_at": None, "expires_at": {"$gt": now}}


async def select_usable_sign_up(token_hash: str) -> SignUpDocument | None:
    return await SignUpDocument.find_one(_usable(token_hash, utc_now()))


async def select_spent_sign_up(token_hash: str) -> SignUpDocument | None:
    """The sign-up this token already completed (used, expired or not), if any."""
    return await SignUpDocument.find_one({"token_hash": token_hash, "used_at": {"$ne": None}})


async def select_usable_password_reset(token_hash: str) -> PasswordResetDocument | None:
    return await PasswordResetDocument.find_one(_usable(token_hash, utc_now()))


async def _consume(document: type[MailedToken], kind: str, token_hash: str) -> MailedToken | None:
    now = utc_now()
    found = await document.find_one(_usable(token_hash, now))
    if found is None or not await claim_once(f"{kind}:{token_hash}"):
        return None
    await document.get_pymongo_collection().update_one(
        {"_id": found.id, "token_hash": token_hash}, {"$set": {"used_at": now}}
    )
    return found


async def consume_sign_up_token(token_hash: str) -> SignUpDocument | None:
    """Mark the token used and return its sign-up; None when unknown, used or expired."""
    return await _consume(SignUpDocument, "sign_up", token_hash)


async def consume_password_reset_token(token_hash: str) -> PasswordResetDocument | None:
    return await _consume(PasswordResetDocument, "password_reset", token_hash)
