"""Sessions: look-up by token hash, hand-off redemption, revocation bookkeeping.

A session's last use lives in its own document (``SessionActivity``): it is written on
every token check, and on FerretDB a write replaces the whole document, so keeping it on
the session could undo a revocation written at the same moment (service_kit/store_compat).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from auth_svc.lookups import account_lookups
from auth_svc.models.documents import HandoffCode, SessionDocument, SessionToken, as_utc
from service_kit.events import utc_now
from service_kit.storage.store_compat import claim_once


def _live(session: SessionDocument | None, now: datetime, idle: timedelta) -> bool:
    """Not revoked, not expired, used within ``idle``."""
    return (
        session is not None
        and session.revoked_at is None
        and as_utc(session.expires_at) > now
        and as_utc(session.last_seen_at) > now - idle
    )


async def select_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    session = await account_lookups().session_by_token(token_hash)
    return session if _live(session, utc_now(), idle) else None


async def touch_live_session_by_token(token_hash: str, idle: timedelta) -> SessionDocument | None:
    """Find a live session for the token and record that it was just used."""
    session = await select_live_session_by_token(token_hash, idle)
    if session is not None:
        await account_lookups().record_use(session.id, utc_now())
    return session


async def redeem_handoff_code(
    code_hash: str, new_token_hash: str, idle: timedelta
) -> SessionDocument | None:
    """Spend the one-time code (single use, unexpired) and attach chat's token to the session."""
    now = utc_now()
    lookups = account_lookups()
    session = await lookups.session_by_handoff_code(code_hash)
    if session is None or not _live(session, now, idle):
        return None
    if session.handoff_expires_at is None or as_utc(session.handoff_expires_at) <= now:
        return None
    if not await claim_once(f"handoff:{code_hash}"):
        return None
    # The spent code stays on the session: the claim already refuses it a second time.
    await SessionToken.get_pymongo_collection().insert_one(
        {"_id": new_token_hash, "session_id": session.id}
    )
    await lookups.session_token_added(session.id, new_token_hash)
    await lookups.record_use(session.id, now)
    session.token_hashes.append(new_token_hash)
    return session


async def select_unrevoked_session_ids(user_id: str) -> list[str]:
    """The user's sessions not revoked (and, with the Valkey index, not expired)."""
    sessions = await account_lookups().session_ids_of_user(user_id)
    return [session_id for session_id, revoked in sessions if not revoked]


async def user_has_had_a_session(user_id: str) -> bool:
    """Whether the user ever signed in (sessions are kept, revoked or not). Read from the
    store, expired sessions included: once per account from before ``signed_in_before``."""
    return await SessionDocument.find_one({"user_id": user_id}) is not None


async def set_handoff_code_by_token(
    token_hash: str, code_hash: str, code_expires_at: datetime, idle: timedelta
) -> SessionDocument | None:
    """A new one-time hand-off code for the live session behind auth's own cookie token."""
    session = await select_live_session_by_token(token_hash, idle)
    if session is None:
        return None
    # An insert: on FerretDB a write to the session reads every session (0.76 s at 100,000).
    await HandoffCode.get_pymongo_collection().insert_one(
        {"_id": code_hash, "session_id": session.id, "expires_at": code_expires_at}
    )
    fields = {"handoff_code_hash": code_hash, "handoff_expires_at": code_expires_at}
    lookups = account_lookups()
    await lookups.updated("sessions", session.id, fields)
    await lookups.record_use(session.id, utc_now())
    session.handoff_code_hash, session.handoff_expires_at = code_hash, code_expires_at
    return session
