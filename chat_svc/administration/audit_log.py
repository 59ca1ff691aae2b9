"""The audit log: one entry per administrative action, written BEFORE the action.

The entry is the action's record and its commit point: it is inserted as ``pending``, the
action runs, and the entry is closed as ``done`` or ``failed``. So no action happens without
its entry; an entry left ``pending`` (the process died mid-way) says an action was begun
and may or may not have taken effect. (FerretDB has no multi-document transactions:
service_kit/storage/store_compat.py, 2.)"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import uuid4

from beanie import Document
from pydantic import Field
from pymongo import DESCENDING, IndexModel

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


async def open_entry(
    actor_id: str, actor_name: str, action: str, target_id: str = "", target_name: str = ""
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        target_id=target_id,
        target_name=target_name,
    )
    await entry.insert()
    return entry


async def close_entry(entry: AuditEntry, outcome: Outcome) -> None:
    await AuditEntry.get_pymongo_collection().update_one(
        {"_id": entry.id}, {"$set": {"outcome": outcome}}
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
