"""Account look-ups read straight from the store's indexes (production on MongoDB: each
query below is served by an index declared in models/documents.py; docs/deploy.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from auth_svc.lookups.revocations import (
    revocations_of_user,
    with_revocations_in_store,
)
from auth_svc.lookups.write_through import Condition, Fields
from auth_svc.models.documents import (
    HandoffCode,
    PasswordResetDocument,
    SessionActivity,
    SessionDocument,
    SessionToken,
    SignUpDocument,
    UserDocument,
    as_utc,
)
from service_kit.storage.store_compat import upsert_retrying


async def with_last_use(raw: dict[str, Any] | None) -> SessionDocument | None:
    """The session with its last use and its revocation records, which live apart
    (models/sessions.py, lookups/revocations.py say why)."""
    if raw is None:
        return None
    session: SessionDocument = SessionDocument.model_validate(raw)
    activity = await SessionActivity.get_pymongo_collection().find_one({"_id": session.id})
    if activity is not None:
        session.last_seen_at = activity["last_seen_at"]
    return await with_revocations_in_store(session)


class DatabaseLookups:
    store_decides_conditions: ClassVar[bool] = True  # see models/users.py update_user

    async def user_by_email(self, email: str) -> UserDocument | None:
        # PyMongo directly: beanie's query layer was half of this read's event-loop time,
        # and every sign-in makes it (py-spy under the sign-in benchmark).
        found = await UserDocument.get_pymongo_collection().find_one({"email": email})
        return None if found is None else UserDocument.model_validate(found)

    async def user_by_id(self, user_id: str) -> UserDocument | None:
        found = await UserDocument.get_pymongo_collection().find_one({"_id": user_id})
        return None if found is None else UserDocument.model_validate(found)

    async def session_by_token(self, token_hash: str) -> SessionDocument | None:
        sessions = SessionDocument.get_pymongo_collection()
        found = await sessions.find_one({"token_hashes": token_hash})
        if found is None:  # chat's token of the session, if it is one
            token = await SessionToken.get_pymongo_collection().find_one({"_id": token_hash})
            found = None if token is None else await sessions.find_one({"_id": token["session_id"]})
        return await with_last_use(found)

    async def session_by_handoff_code(self, code_hash: str) -> SessionDocument | None:
        sessions = SessionDocument.get_pymongo_collection()
        found = await sessions.find_one({"handoff_code_hash": code_hash})
        if found is None:  # a later code of a session signed in at auth, if it is one
            code = await HandoffCode.get_pymongo_collection().find_one({"_id": code_hash})
            found = None if code is None else await sessions.find_one({"_id": code["session_id"]})
            if found is not None and code is not None:
                found |= {"handoff_code_hash": code_hash, "handoff_expires_at": code["expires_at"]}
        return await with_last_use(found)

    async def session_ids_of_user(self, user_id: str) -> list[tuple[str, bool]]:
        by_record, revoked_before = await revocations_of_user(user_id)
        found = SessionDocument.get_pymongo_collection().find(
            {"user_id": user_id}, {"_id": 1, "revoked_at": 1, "created_at": 1}
        )
        return [
            (
                raw["_id"],
                raw.get("revoked_at") is not None
                or raw["_id"] in by_record
                or (revoked_before is not None and as_utc(raw["created_at"]) <= revoked_before),
            )
            async for raw in found
        ]

    async def sign_up_by_token(self, token_hash: str) -> SignUpDocument | None:
        found = await SignUpDocument.get_pymongo_collection().find_one({"token_hash": token_hash})
        return None if found is None else SignUpDocument.model_validate(found)

    async def password_reset_by_token(self, token_hash: str) -> PasswordResetDocument | None:
        resets = PasswordResetDocument.get_pymongo_collection()
        found = await resets.find_one({"token_hash": token_hash})
        return None if found is None else PasswordResetDocument.model_validate(found)

    async def record_use(self, session_id: str, now: datetime) -> None:
        await upsert_retrying(
            SessionActivity.get_pymongo_collection(),
            {"_id": session_id},
            {"$set": {"last_seen_at": now}},
        )

    async def session_token_added(self, session_id: str, token_hash: str) -> None:
        return None

    async def sessions_revoked(
        self, user_id: str, session_ids: list[str] | None, revoked_at: datetime
    ) -> None:
        return None  # the records are the index (lookups/revocations.py)

    async def created(self, collection: str, document: Fields) -> None:
        return None  # the store is the index

    async def updated(
        self, collection: str, key: str, fields: Fields, condition: Condition | None = None
    ) -> None:
        return None

    async def wait_rebuilt(self) -> None:
        return None

    async def stop(self) -> None:
        return None
