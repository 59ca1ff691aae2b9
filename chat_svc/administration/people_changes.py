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
from chat_svc.services import services_of
from service_kit.lifecycle import infrastructure_of
from service_kit.people.roles import ADMIN

LOCK_KEY = "chat:administration:people"
LOCK_SECONDS = 10.0
LOCK_WAIT_SECONDS = 5.0


class Outcome(Enum):
    DONE = auto()
    LAST_ADMIN = auto()  # refused: the team would have no active administrator
    NO_ACCOUNT = auto()  # auth has no such account


async def _count_active_admins() -> int:
    return await ChatUser.find({"role": ADMIN, "deactivated": {"$ne": True}}).count()


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
        if guard_last_admin and _leaves_no_admin(target) and await _count_active_admins() <= 1:
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
