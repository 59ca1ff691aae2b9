"""Role changes, deactivation and reactivation of an account, each one outbox entry.

Deactivation revokes every session with the same change and events as "sign out
everywhere" (``SessionRevoked`` per session), so whatever listens for those follows: chat's
open streams end on every replica, and the features that key on sessions go with them."""

from __future__ import annotations

import logging

from auth_svc.lib.outbox_relay import OutboxRelay
from auth_svc.models.outbox import Change, ChangeRole, RevokeSessions, SetDeactivation
from auth_svc.models.sessions import select_unrevoked_session_ids
from auth_svc.models.users import select_user_by_id
from service_kit.events import Event, SessionRevoked, UserRoleChanged, utc_now

log = logging.getLogger(__name__)


async def change_role(relay: OutboxRelay, user_id: str, role: str) -> bool:
    """False when there is no such account."""
    if await select_user_by_id(user_id) is None:
        return False
    await relay.commit(
        [ChangeRole(user_id=user_id, role=role)], [UserRoleChanged(user_id=user_id, role=role)]
    )
    log.info("role changed", extra={"user_id": user_id, "role": role})
    return True


async def deactivate(relay: OutboxRelay, user_id: str) -> bool:
    if await select_user_by_id(user_id) is None:
        return False
    now = utc_now()
    session_ids = await select_unrevoked_session_ids(user_id)
    changes: list[Change] = [
        SetDeactivation(user_id=user_id, deactivated_at=now),
        # Every session, including one begun after the look-up (token checks refuse a
        # deactivated account anyway: lib/sessions.py).
        RevokeSessions(user_id=user_id, session_ids=None, revoked_at=now),
    ]
    events: list[Event] = [SessionRevoked(user_id=user_id, session_id=s) for s in session_ids]
    await relay.commit(changes, events)
    log.info("deactivated", extra={"user_id": user_id, "sessions_revoked": len(session_ids)})
    return True


async def reactivate(relay: OutboxRelay, user_id: str) -> bool:
    if await select_user_by_id(user_id) is None:
        return False
    await relay.commit([SetDeactivation(user_id=user_id, deactivated_at=None)], [])
    log.info("reactivated", extra={"user_id": user_id})
    return True
