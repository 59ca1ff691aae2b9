"""Verification and reset tokens: checked and consumed by the store, in one atomic step."""

from __future__ import annotations

from datetime import datetime

from auth_svc.models.documents import PasswordResetDocument, SignUpDocument
from service_kit.events import utc_now


def _usable(token_hash: str, now: datetime) -> dict[str, object]:
    return {"token_hash": token_hash, "used_at": None, "expires_at": {"$gt": now}}


async def select_usable_sign_up(token_hash: str) -> SignUpDocument | None:
    return await SignUpDocument.find_one(_usable(token_hash, utc_now()))


async def select_spent_sign_up(token_hash: str) -> SignUpDocument | None:
    """The sign-up this token already completed (used, expired or not), if any."""
    return await SignUpDocument.find_one({"token_hash": token_hash, "used_at": {"$ne": None}})


async def consume_sign_up_token(token_hash: str) -> SignUpDocument | None:
    """Mark the token used and return its sign-up; None when unknown, used or expired."""
    now = utc_now()
    raw = await SignUpDocument.get_pymongo_collection().find_one_and_update(
        _usable(token_hash, now), {"$set": {"used_at": now}}
    )
    return None if raw is None else SignUpDocument.model_validate(raw)


async def select_usable_password_reset(token_hash: str) -> PasswordResetDocument | None:
    return await PasswordResetDocument.find_one(_usable(token_hash, utc_now()))


async def consume_password_reset_token(token_hash: str) -> PasswordResetDocument | None:
    now = utc_now()
    raw = await PasswordResetDocument.get_pymongo_collection().find_one_and_update(
        _usable(token_hash, now), {"$set": {"used_at": now}}
    )
    return None if raw is None else PasswordResetDocument.model_validate(raw)
