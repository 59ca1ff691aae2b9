"""The audit log: one entry per administrative action, written BEFORE the action.

The entry is the action's record and its commit point: it is inserted as ``pending``, the
action runs, and the entry is closed as ``done`` or ``failed``. So no action happens without
its entry; an entry left ``pending`` (the process died mid-way) says an action was begun
and may or may not have taken effect. (FerretDB has no multi-document transactions:
service_kit/storage/store_compat.py, 2.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal
from uuid import uuid4

from beanie import Document
from pydantic import Field
from pymongo import DESCENDING, IndexModel

from chat_svc.models.users import ChatUser
from service_kit.events import utc_now

Outcome = Literal["pending", "done", "failed"]
PAGE_SIZE = 50


class AuditEntry(Document):
    id: str = Field(default_factory=lambda: uuid4().hex)  # type: ignore[assignment]
    at: datetime = Field(default_factory=utc_now)
    actor_id: str
    actor_name: str
    action: str  # e.g. "deactivate", "role:admin", "join-link:regenerate"
    target_id: str = ""
    target_name: str = ""
    outcome: Outcome = "pending"

    class Settings:
        name = "audit_log"
        indexes: ClassVar[list[IndexModel]] = [IndexModel([("at", DESCENDING)])]


@dataclass
class AuditStep:
    """An action under way; the body sets ``outcome`` to "failed" when it did nothing."""

    entry: AuditEntry
    outcome: Outcome = "done"


@asynccontextmanager
async def audited(
    actor: ChatUser, action: str, target_id: str = "", target_name: str = ""
) -> AsyncIterator[AuditStep]:
    """Write the entry, run the body (the action), then record how it ended; an exception
    closes the entry as failed and goes on."""
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_name=actor.display_name,
        action=action,
        target_id=target_id,
        target_name=target_name,
    )
    await entry.insert()
    step = AuditStep(entry)
    try:
        yield step
    except BaseException:
        step.outcome = "failed"
        raise
    finally:
        await AuditEntry.get_pymongo_collection().update_one(
            {"_id": entry.id}, {"$set": {"outcome": step.outcome}}
        )


async def select_audit_page(page: int, size: int = PAGE_SIZE) -> tuple[list[AuditEntry], bool]:
    """Entries newest first, page ``page`` (from 1), and whether an older page exists."""
    found = (
        await AuditEntry.find()
        .sort("-at", "-_id")
        .skip((page - 1) * size)
        .limit(size + 1)
        .to_list()
    )
    return found[:size], len(found) > size
