"""Sessions: look-up by token hash, hand-off redemption, revocation bookkeeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument

from auth_svc.models.documents import SessionDocument
from service_kit.events import utc_now


def _live(now: datetime, idle: timedelta) -> dict[str, object]:
    return {
        "revoked_at": None,
        "expires_at": {"$gt": now},
        "last_seen_at": {"$gt": now - idle},
    }


async def select_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    return await SessionDocument.find_one({"token_hashes": token_hash} | _live(utc_now(), idle))


async def touch_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    """Find a live session for the token and record that it was just used."""
    now = utc_now()
    raw = await SessionDocument.get_pymongo_collection().find_one_and_update(
        {"token_hashes": token_hash} | _live(now, idle),
        {"$set": {"last_seen_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else SessionDocument.model_validate(raw)


async def redeem_handoff_code(
    code_hash: str, new_token_hash: str, idle: timedelta
) -> SessionDocument | None:
    """Spend the one-time code (single use, unexpired) and attach chat's token to the session."""
    now = utc_now()
    raw = await SessionDocument.get_pymongo_collection().find_one_and_update(
        {"handoff_code_hash": code_hash, "handoff_expires_at": {"$gt": now}} | _live(now, idle),
        {
            "$set": {"handoff_code_hash": None, "handoff_expires_at": None, "last_seen_at": now},
            "$push": {"token_hashes": new_token_hash},
        },
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else SessionDocument.model_validate(raw)


async def select_unrevoked_session_ids(user_id: str) -> list[str]:
    sessions = await SessionDocument.find({"user_id": user_id, "revoked_at": None}).to_list()
    return [session.id for session in sessions]


async def set_handoff_code_by_token(
    token_hash: str, code_hash: str, code_expires_at: datetime, idle: timedelta
) -> SessionDocument | None:
    """A new one-time hand-off code for the live session behind auth's own cookie token."""
    now = utc_now()
    raw = await SessionDocument.get_pymongo_collection().find_one_and_update(
        {"token_hashes": token_hash} | _live(now, idle),
        {
            "$set": {
                "handoff_code_hash": code_hash,
                "handoff_expires_at": code_expires_at,
                "last_seen_at": now,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else SessionDocument.model_validate(raw)
