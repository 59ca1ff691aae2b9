"""Sessions: sign-in, the hand-off to chat_svc, token checks and revocation.

Access tokens are opaque and random; the store keeps only their hashes. auth's own cookie
(quart-auth, signed) carries one token; chat_svc receives a second token of the same
session by redeeming the one-time hand-off code server-to-server, so no token ever
appears in a URL. Revoking the session ends both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_svc.lib.outbox_relay import OutboxRelay
from auth_svc.lib.passwords import PasswordHashing
from auth_svc.lib.tokens import hash_token, new_token
from auth_svc.models.documents import SessionDocument, UserDocument, as_utc, new_id
from auth_svc.models.outbox import CreateSession, RevokeSessions
from auth_svc.models.sessions import (
    redeem_handoff_code,
    select_live_session_by_token,
    select_unrevoked_session_ids,
    set_handoff_code_by_token,
    touch_live_session_by_token,
    user_has_had_a_session,
)
from auth_svc.models.users import (
    select_user_by_email,
    select_user_by_id,
    update_password_hash_if_unchanged,
)
from auth_svc.settings import AuthSettings
from service_kit.events import SessionRevoked, UserSignedIn, utc_now

log = logging.getLogger(__name__)

USER_AGENT_LIMIT = 300


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    session_id: str
    access_token: str  # goes into auth's own cookie only
    handoff_code: str  # goes into the redirect to chat_svc


@dataclass(frozen=True)
class ActiveSession:
    session_id: str
    user_id: str
    email: str
    display_name: str
    expires_at: datetime


async def sign_in(
    settings: AuthSettings,
    relay: OutboxRelay,
    hashing: PasswordHashing,
    email: str,
    password: str,
    user_agent: str,
    ip_address: str,
) -> SignedIn | None:
    """Check the password (argon2 even for unknown addresses) and start a session."""
    user = await select_user_by_email(email)
    if user is None:
        await hashing.verify_against_dummy(password)
        return None
    verification = await hashing.verify(user.password_hash, password)
    if not verification.matches or user.deactivated_at is not None:
        return None  # a deactivated account hears what a wrong password hears
    if verification.new_hash is not None:
        await update_password_hash_if_unchanged(user.id, user.password_hash, verification.new_hash)
        log.info("password re-hashed with current parameters", extra={"user_id": user.id})
    first_sign_in = (
        not user.signed_in_before
        if user.signed_in_before is not None
        else not await user_has_had_a_session(user.id)  # an account older than the field
    )
    token, code, now = new_token(), new_token(), utc_now()
    session_id = new_id()
    change = CreateSession(
        session_id=session_id,
        user_id=user.id,
        token_hash=hash_token(token),
        handoff_code_hash=hash_token(code),
        handoff_expires_at=now + timedelta(seconds=settings.handoff_code_ttl),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.session_absolute_ttl),
        user_agent=user_agent[:USER_AGENT_LIMIT],
        ip_address=ip_address,
        mark_account_signed_in=user.signed_in_before is not True,
    )
    event = UserSignedIn(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        user_agent=user_agent[:USER_AGENT_LIMIT],
        ip_address=ip_address,
        first_sign_in=first_sign_in,
        reset_link=f"{settings.public_url}/forgot-password",
    )
    await relay.commit([change], [event])
    log.info("signed in", extra={"user_id": user.id, "session_id": session_id})
    return SignedIn(user.id, session_id, token, code)


async def _active(session: SessionDocument | None) -> ActiveSession | None:
    if session is None:
        return None
    user: UserDocument | None = await select_user_by_id(session.user_id)
    if user is None or user.deactivated_at is not None:
        return None
    return ActiveSession(
        session_id=session.id,
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        expires_at=as_utc(session.expires_at),
    )


async def check_token(settings: AuthSettings, token: str) -> ActiveSession | None:
    """The session behind a token, if live (not revoked, expired or idle); records use."""
    idle = timedelta(seconds=settings.session_idle_ttl)
    return await _active(await touch_live_session_by_token(hash_token(token), idle))


async def peek_token(settings: AuthSettings, token: str) -> ActiveSession | None:
    """Like check_token, without recording use (for rendering auth's own pages)."""
    idle = timedelta(seconds=settings.session_idle_ttl)
    return await _active(await select_live_session_by_token(hash_token(token), idle))


async def redeem_handoff(settings: AuthSettings, code: str) -> tuple[str, ActiveSession] | None:
    """Exchange a one-time hand-off code for a new access token of the same session."""
    token = new_token()
    idle = timedelta(seconds=settings.session_idle_ttl)
    session = await _active(await redeem_handoff_code(hash_token(code), hash_token(token), idle))
    return None if session is None else (token, session)


async def new_handoff_code(settings: AuthSettings, token: str) -> str | None:
    """A fresh hand-off code for the session behind auth's cookie (already signed in here,
    chat asks again with a new state); None when that session is no longer live."""
    code = new_token()
    expires_at = utc_now() + timedelta(seconds=settings.handoff_code_ttl)
    idle = timedelta(seconds=settings.session_idle_ttl)
    session = await set_handoff_code_by_token(hash_token(token), hash_token(code), expires_at, idle)
    return None if session is None else code


async def end_session(settings: AuthSettings, relay: OutboxRelay, token: str) -> bool:
    """Revoke the session behind the token; False when there was none to revoke."""
    session = await peek_token(settings, token)
    if session is None:
        return False
    change = RevokeSessions(
        user_id=session.user_id, session_ids=[session.session_id], revoked_at=utc_now()
    )
    event = SessionRevoked(user_id=session.user_id, session_id=session.session_id)
    await relay.commit([change], [event])
    log.info("signed out", extra={"user_id": session.user_id, "session_id": session.session_id})
    return True


async def end_every_session(settings: AuthSettings, relay: OutboxRelay, token: str) -> bool:
    """Revoke every session of the token's user."""
    session = await peek_token(settings, token)
    if session is None:
        return False
    session_ids = await select_unrevoked_session_ids(session.user_id)
    change = RevokeSessions(user_id=session.user_id, session_ids=None, revoked_at=utc_now())
    events = [
        SessionRevoked(user_id=session.user_id, session_id=sid, everywhere=True)
        for sid in session_ids
    ]
    await relay.commit([change], list(events))
    log.info(
        "signed out everywhere",
        extra={"user_id": session.user_id, "sessions_revoked": len(session_ids)},
    )
    return True
