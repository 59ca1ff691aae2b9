"""An administrator changes a person: role, deactivation, reactivation.

Each change opens its audit entry first (audit_log.py), asks auth_svc (the account's
owner: sessions, sign-in), then writes chat's copy of the person, which every replica reads
on the next request. Changes to people run one at a time across replicas (a Valkey lock),
so two administrators demoting each other at once cannot leave the team with none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum, auto

from chat_svc.administration.account_requests import set_account_active, set_account_role
from chat_svc.administration.audit_log import audited
from chat_svc.models.users import ChatUser, set_deactivated, set_role
from chat_svc.people_directory.installation import administrators_by_card
from chat_svc.people_directory.person_lookup import find_stored_person
from chat_svc.services import services_of
from service_kit.lifecycle import infrastructure_of
from service_kit.people.roles import ADMIN

LOCK_KEY = "chat:administration:people"
LOCK_SECONDS = 10.0
LOCK_WAIT_SECONDS = 5.0
CANDIDATES = 3  # administrators the cards name, checked in the store before counting


class Outcome(Enum):
    DONE = auto()
    LAST_ADMIN = auto()  # refused: the team would have no active administrator
    NO_ACCOUNT = auto()  # auth has no such account


async def _another_active_admin(target: ChatUser) -> bool:
    """Whether the store holds an active administrator besides ``target``. The cards name
    the candidates and each one's stored record (read by its ``_id``, people_directory/
    person_lookup.py) must confirm it; only without a confirmed one does the store count
    them all (on FerretDB a scan of every user, 240-320 ms at 10,000 people). The lock
    held around this check and the change keeps two demotions from both passing it."""
    for user_id in sorted(await administrators_by_card() - {target.user_id})[:CANDIDATES]:
        stored = await find_stored_person(user_id)
        if stored is not None and stored.role == ADMIN and not stored.deactivated:
            return True
    others = {"role": ADMIN, "deactivated": {"$ne": True}, "user_id": {"$ne": target.user_id}}
    return await ChatUser.find(others).count() > 0


def _leaves_no_admin(target: ChatUser) -> bool:
    return target.role == ADMIN and not target.deactivated


async def _audited(
    actor: ChatUser,
    action: str,
    target: ChatUser,
    change: Callable[[], Awaitable[bool]],
    guard_last_admin: bool,
) -> Outcome:
    redis = infrastructure_of().redis
    async with redis.lock(LOCK_KEY, timeout=LOCK_SECONDS, blocking_timeout=LOCK_WAIT_SECONDS):
        guarded = guard_last_admin and _leaves_no_admin(target)
        if guarded and not await _another_active_admin(target):
            return Outcome.LAST_ADMIN
        async with audited(actor, action, target.user_id, target.display_name) as step:
            done = await change()
            step.outcome = "done" if done else "failed"
        return Outcome.DONE if done else Outcome.NO_ACCOUNT


async def change_role(actor: ChatUser, target: ChatUser, role: str) -> Outcome:
    async def change() -> bool:
        if not await set_account_role(target.user_id, role):
            return False
        await set_role(target.user_id, role)
        return True

    demoting = role != ADMIN
    return await _audited(actor, f"role:{role}", target, change, guard_last_admin=demoting)


async def deactivate(actor: ChatUser, target: ChatUser) -> Outcome:
    async def change() -> bool:
        if not await set_account_active(target.user_id, False):
            return False
        await set_deactivated(target.user_id, True)
        # Their messages read "(deactivated)" on every replica (profiles/people_names.py).
        await services_of().people_names.announce(target.user_id)
        return True

    return await _audited(actor, "deactivate", target, change, guard_last_admin=True)


async def reactivate(actor: ChatUser, target: ChatUser) -> Outcome:
    async def change() -> bool:
        if not await set_account_active(target.user_id, True):
            return False
        await set_deactivated(target.user_id, False)
        await services_of().people_names.announce(target.user_id)
        return True

    return await _audited(actor, "reactivate", target, change, guard_last_admin=False)
