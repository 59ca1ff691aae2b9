"""Identity flows: sign-up, set password, password reset. Each commits through the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import Enum, auto

from auth_svc.joining.first_administrator import role_for_new_account
from auth_svc.lib.outbox_relay import OutboxRelay
from auth_svc.lib.passwords import PasswordHashing
from auth_svc.lib.tokens import hash_token, new_token
from auth_svc.models.documents import new_id
from auth_svc.models.mailed_tokens import consume_password_reset_token, consume_sign_up_token
from auth_svc.models.outbox import (
    Change,
    ChangePassword,
    ChangeRejectedError,
    CreateUser,
    RevokeSessions,
    StorePasswordReset,
    StoreSignUp,
)
from auth_svc.models.sessions import select_unrevoked_session_ids
from auth_svc.models.users import select_user_by_email, select_user_by_id
from auth_svc.settings import AuthSettings
from service_kit.events import (
    PasswordChanged,
    PasswordResetRequested,
    SessionRevoked,
    SignUpAttemptedForExistingAccount,
    SignUpRequested,
    UserCreated,
    utc_now,
)
from service_kit.people.sealed_links import LinkSeal, seal_event

log = logging.getLogger(__name__)


class Outcome(Enum):
    DONE = auto()
    BAD_TOKEN = auto()  # unknown, used or expired
    ACCOUNT_EXISTS = auto()


async def request_sign_up(
    settings: AuthSettings, relay: OutboxRelay, email: str, display_name: str
) -> None:
    """Mail a set-password link, or a warning when the address already has an account."""
    user = await select_user_by_email(email)
    if user is not None:
        warning = SignUpAttemptedForExistingAccount(
            email=email,
            display_name=user.display_name,
            sign_in_link=f"{settings.public_url}/sign-in",
            reset_link=f"{settings.public_url}/forgot-password",
        )
        await relay.commit([], [warning])
        log.info("sign-up attempted for an existing account", extra={"user_id": user.id})
        return
    token, now = new_token(), utc_now()
    expires_at = now + timedelta(seconds=settings.verification_token_ttl)
    change = StoreSignUp(
        email=email,
        display_name=display_name,
        token_hash=hash_token(token),
        requested_at=now,
        expires_at=expires_at,
    )
    event = seal_event(
        LinkSeal(settings.link_seal_key),
        SignUpRequested,
        email=email,
        display_name=display_name,
        link=f"{settings.public_url}/set-password?token={token}",
        expires_at=expires_at,
    )
    await relay.commit([change], [event])
    log.info("sign-up requested", extra={"event_id": str(event.id)})


async def complete_sign_up(
    relay: OutboxRelay, hashing: PasswordHashing, token: str, password: str
) -> Outcome:
    """Spend the verification token and create the (verified) account."""
    password_hash = await hashing.hash(password)
    sign_up = await consume_sign_up_token(hash_token(token))
    if sign_up is None:
        return Outcome.BAD_TOKEN
    user_id, now, role = new_id(), utc_now(), await role_for_new_account()
    change = CreateUser(
        user_id=user_id,
        email=sign_up.id,
        display_name=sign_up.display_name,
        password_hash=password_hash,
        created_at=now,
        role=role,
    )
    event = UserCreated(
        user_id=user_id, email=sign_up.id, display_name=sign_up.display_name, role=role
    )
    try:
        await relay.commit([change], [event])
    except ChangeRejectedError:
        return Outcome.ACCOUNT_EXISTS
    log.info("user created", extra={"user_id": user_id})
    return Outcome.DONE


async def request_password_reset(settings: AuthSettings, relay: OutboxRelay, email: str) -> None:
    """Mail a reset link to a known address; do nothing visible for an unknown one."""
    user = await select_user_by_email(email)
    if user is None:
        log.info("password reset requested for an unknown address")
        return
    token, now = new_token(), utc_now()
    expires_at = now + timedelta(seconds=settings.reset_token_ttl)
    change = StorePasswordReset(
        user_id=user.id, token_hash=hash_token(token), requested_at=now, expires_at=expires_at
    )
    event = seal_event(
        LinkSeal(settings.link_seal_key),
        PasswordResetRequested,
        email=user.email,
        display_name=user.display_name,
        link=f"{settings.public_url}/reset-password?token={token}",
        expires_at=expires_at,
    )
    await relay.commit([change], [event])
    log.info("password reset requested", extra={"user_id": user.id})


async def complete_password_reset(
    settings: AuthSettings, relay: OutboxRelay, hashing: PasswordHashing, token: str, password: str
) -> Outcome:
    """Spend the reset token, set the new password and end every session of the user."""
    password_hash = await hashing.hash(password)
    reset = await consume_password_reset_token(hash_token(token))
    if reset is None:
        return Outcome.BAD_TOKEN
    user = await select_user_by_id(reset.id)
    if user is None:
        return Outcome.BAD_TOKEN
    now = utc_now()
    session_ids = await select_unrevoked_session_ids(user.id)
    changes: list[Change] = [
        ChangePassword(user_id=user.id, password_hash=password_hash, changed_at=now),
        # Every session, including any that started after the look-up above.
        RevokeSessions(user_id=user.id, session_ids=None, revoked_at=now),
    ]
    events = [
        PasswordChanged(
            user_id=user.id,
            email=user.email,
            display_name=user.display_name,
            reset_link=f"{settings.public_url}/forgot-password",
        ),
        *(SessionRevoked(user_id=user.id, session_id=sid, everywhere=True) for sid in session_ids),
    ]
    await relay.commit(changes, events)
    log.info("password reset", extra={"user_id": user.id, "sessions_revoked": len(session_ids)})
    return Outcome.DONE
