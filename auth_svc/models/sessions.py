"""Sessions: look-up by token hash, hand-off redemption, revocation bookkeeping.

A session's last use lives in its own document (``SessionActivity``): it is written on
every token check, and on FerretDB a write replaces the whole document, so keeping it on
the session could undo a revocation written at the same moment (service_kit/store_compat).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from auth_svc.models.documents import SessionActivity, SessionDocument, as_utc
from service_kit.events import utc_now
from service_kit.storage.store_compat import claim_once, upsert_retrying


def _unrevoked(now: datetime) -> dict[str, object]:
    return {"revoked_at": None, "expires_at": {"$gt": now}}


async def _unless_idle(
    session: SessionDocument | None, now: datetime, idle: timedelta
) -> SessionDocument | None:
    if session is None:
        return None
    activity = await SessionActivity.find_one({"_id": session.id})
    last_seen = as_utc(activity.last_seen_at if activity else session.last_seen_at)
    if last_seen <= now - idle:
        return None
    session.last_seen_at = last_seen
    return session


async def _record_use(session_id: str, now: datetime) -> None:
    await upsert_retrying(
        SessionActivity.get_pymongo_collection(),
        {"_id": session_id},
        {"$set": {"last_seen_at": now}},
    )


async def select_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    now = utc_now()
    session = await SessionDocument.find_one({"token_hashes": token_hash} | _unrevoked(now))
    return await _unless_idle(session, now, idle)


async def touch_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    """Find a live session for the token and record that it was just used."""
    session = await select_live_session_by_token(token_hash, idle)
    if session is not None:
        await _record_use(session.id, utc_now())
    return session


async def redeem_handoff_code(
    code_hash: str, new_token_hash: str, idle: timedelta
) -> SessionDocument | None:
    """Spend the one-time code (single use, unexpired) and attach chat's token to the session."""
    now = utc_now()
    query = {"handoff_code_hash": code_hash, "handoff_expires_at": {"$gt": now}}
    session = await _unless_idle(await SessionDocument.find_one(query | _unrevoked(now)), now, idle)
    if session is None or not await claim_once(f"handoff:{code_hash}"):
        return None
    await SessionDocument.get_pymongo_collection().update_one(
        {"_id": session.id},
        {
            "$set": {"handoff_code_hash": None, "handoff_expires_at": None},
            "$push": {"token_hashes": new_token_hash},
        },
    )
    await _record_use(session.id, now)
    session.token_hashes.append(new_token_hash)
    session.handoff_code_hash = session.handoff_expires_at = None
    return session


async def select_unrevoked_session_ids(user_id: str) -> list[str]:
    sessions = await SessionDocument.find({"user_id": user_id, "revoked_at": None}).to_list()
    return [session.id for session in sessions]


async def user_has_had_a_session(user_id: str) -> bool:
    """Whether the user ever signed in (sessions are kept, revoked or not)."""
    return await SessionDocument.find_one({"user_id": user_id}) is not None


async def set_handoff_code_by_token(
    token_hash: str, code_hash: str, code_expires_at: datetime, idle: timedelta
) -> SessionDocument | None:
    """A new one-time hand-off code for the live session behind auth's own cookie token."""
    session = await select_live_session_by_token(token_hash, idle)
    if session is None:
        return None
    await SessionDocument.get_pymongo_collection().update_one(
        {"_id": session.id},
        {"$set": {"handoff_code_hash": code_hash, "handoff_expires_at": code_expires_at}},
    )
    await _record_use(session.id, utc_now())
    session.handoff_code_hash, session.handoff_expires_at = code_hash, code_expires_at
    return session
