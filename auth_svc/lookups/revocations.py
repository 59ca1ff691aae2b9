"""Revocations written as inserts (models/documents.py SessionRevocation), and how both
indexes honour them.

On FerretDB writing ``revoked_at`` onto the sessions reads every stored session (13.7 s
for a sign-out-everywhere at 100,000 sessions, 6.0 s for one sign-out: bench/account_writes.py);
inserting a record does not. "Every session of the user" is one record, "revoked before
T": a session begun at or before T (to the millisecond the store keeps) is revoked, however
late its own write reaches the index. In Valkey that is a mark per person
(``auth:revoked-before:<user id>``) that every session read takes with the session in one
script, so a session whose store insert landed before a revoke-all but whose index copy
came after is still served as revoked, on every replica at once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pymongo.errors import BulkWriteError

from auth_svc.models.documents import SessionDocument, SessionRevocation, as_utc

DUPLICATE_KEY = 11000
MARK_FIELD = "~revoked_before"  # what the session look-up script adds to the document


def revoked_before_key(user_id: str) -> str:
    return f"auth:revoked-before:{user_id}"


# KEYS: the person's mark. ARGV: a revocation time (encoded). The later one stays, so
# replicas, a replayed change and the rebuild may write in any order.
RAISE_MARK = """
local stored = redis.call('GET', KEYS[1])
if not stored or stored < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


def _to_ms(moment: datetime) -> datetime:
    moment = as_utc(moment)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def apply_mark(session: SessionDocument, revoked_before: datetime | None) -> SessionDocument:
    """The session, revoked if it began at or before the person's latest revoke-all."""
    if (
        session.revoked_at is None
        and revoked_before is not None
        and _to_ms(session.created_at) <= _to_ms(revoked_before)
    ):
        session.revoked_at = revoked_before
    return session


def split_mark(raw: list[bytes]) -> tuple[list[bytes], datetime | None]:
    """The session's fields, and the mark the look-up script appended after them."""
    if len(raw) >= 2 and raw[-2] == MARK_FIELD.encode():
        return raw[:-2], decode_mark(raw[-1])
    return raw, None


def decode_mark(raw: bytes | None) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(json.loads(raw))


def records(user_id: str, session_ids: list[str] | None, revoked_at: datetime) -> list[Any]:
    if session_ids is None:
        key = f"user:{user_id}:{_to_ms(revoked_at).isoformat()}"
        return [{"_id": key, "user_id": user_id, "session_id": None, "revoked_at": revoked_at}]
    return [
        {"_id": f"session:{sid}", "user_id": user_id, "session_id": sid, "revoked_at": revoked_at}
        for sid in session_ids
    ]


async def store_revocation(
    user_id: str, session_ids: list[str] | None, revoked_at: datetime
) -> None:
    """Inserted; a record already there (the change applied twice) is the same one."""
    documents = records(user_id, session_ids, revoked_at)
    if not documents:
        return
    try:
        await SessionRevocation.get_pymongo_collection().insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if any(e["code"] != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise


async def revoked_before_in_store(user_id: str) -> datetime | None:
    """The person's latest revoke-all (MongoDB: the user_id, session_id, revoked_at index)."""
    latest = await SessionRevocation.get_pymongo_collection().find_one(
        {"user_id": user_id, "session_id": None}, sort=[("revoked_at", -1)]
    )
    return None if latest is None else as_utc(latest["revoked_at"])


async def with_revocations_in_store(session: SessionDocument) -> SessionDocument:
    """The session as the store's records say: its own revocation, then the person's mark."""
    if session.revoked_at is None:
        own = await SessionRevocation.get_pymongo_collection().find_one(
            {"_id": f"session:{session.id}"}
        )
        if own is not None:
            session.revoked_at = own["revoked_at"]
    return apply_mark(session, await revoked_before_in_store(session.user_id))


async def revocations_of_user(user_id: str) -> tuple[set[str], datetime | None]:
    """The person's revoked sessions by record, and their latest mark."""
    sessions: set[str] = set()
    latest: datetime | None = None
    async for raw in SessionRevocation.get_pymongo_collection().find({"user_id": user_id}):
        at = as_utc(raw["revoked_at"])
        if raw.get("session_id") is not None:
            sessions.add(raw["session_id"])
        elif latest is None or latest < at:
            latest = at
    return sessions, latest


async def all_revocations_in_store() -> tuple[dict[str, datetime], dict[str, datetime]]:
    """For the rebuild: each revoked session's time, and each person's latest mark."""
    by_session: dict[str, datetime] = {}
    marks: dict[str, datetime] = {}
    async for raw in SessionRevocation.get_pymongo_collection().find(batch_size=1000):
        at = as_utc(raw["revoked_at"])
        if raw.get("session_id") is not None:
            by_session[raw["session_id"]] = at
        elif raw["user_id"] not in marks or marks[raw["user_id"]] < at:
            marks[raw["user_id"]] = at
    return by_session, marks
