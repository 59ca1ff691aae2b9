"""The transactional outbox: a state change and its events are one document.

MongoDB makes a single-document write atomic, but a write that spans two collections needs
a transaction, and transactions need a replica set we cannot count on. So a flow does not
write "the user" and then "the event"; it inserts ONE outbox document that holds both:
the state changes (typed, idempotent: upserts keyed by id, ``$setOnInsert``,
compare-and-set on timestamps) and the events to publish. That insert is the commit point.

Then the changes are applied right away in the request (so the next page sees them), and
the relay (lib/outbox_relay.py) publishes the events and deletes the entry. A crash at
any step loses nothing: an entry whose changes were never applied is applied by the relay
before its events go out, so an event never describes a state that does not exist, and a
change applied twice is a no-op. Events are published with ``Nats-Msg-Id`` = event id, so
a relay that publishes and dies before deleting the entry causes no duplicate inside
the stream's window (consumers are idempotent by event id beyond it).

Once sent, an entry is deleted (within a second, with the others sent meanwhile): its
payloads carry links with tokens, which should not sit at rest longer than needed, and the
relay's scan for unsent entries stays short.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from auth_svc.lookups import account_lookups
from auth_svc.lookups.revocations import store_revocation
from auth_svc.lookups.write_through import Condition
from auth_svc.models.documents import (
    OutboxDocument,
    PasswordResetDocument,
    SessionDocument,
    SignUpDocument,
    UserDocument,
)
from auth_svc.models.users import update_user
from service_kit.events import Event, utc_now

log = logging.getLogger(__name__)


class ChangeRejectedError(Exception):
    """The change conflicts with the stored state (e.g. the e-mail is taken): drop the entry."""


class StoreSignUp(BaseModel):
    kind: Literal["store_sign_up"] = "store_sign_up"
    email: str
    display_name: str
    token_hash: str
    requested_at: datetime
    expires_at: datetime

    async def apply(self) -> None:
        fields = self.model_dump(exclude={"kind", "email"}) | {"used_at": None}
        # Only a newer request replaces the pending one; replaying an old entry is a no-op.
        await _upsert_unless_newer(
            SignUpDocument, self.email, "requested_at", self.requested_at, fields
        )


class StorePasswordReset(BaseModel):
    kind: Literal["store_password_reset"] = "store_password_reset"
    user_id: str
    token_hash: str
    requested_at: datetime
    expires_at: datetime

    async def apply(self) -> None:
        fields = self.model_dump(exclude={"kind", "user_id"}) | {"used_at": None}
        await _upsert_unless_newer(
            PasswordResetDocument, self.user_id, "requested_at", self.requested_at, fields
        )


class CreateUser(BaseModel):
    kind: Literal["create_user"] = "create_user"
    user_id: str
    email: str
    display_name: str
    password_hash: str
    created_at: datetime
    role: str = "member"

    async def apply(self) -> None:
        fields = {
            "email": self.email,
            "display_name": self.display_name,
            "password_hash": self.password_hash,
            "created_at": self.created_at,
            "password_changed_at": self.created_at,
            "signed_in_before": False,
            "role": self.role,
        }
        try:
            result = await UserDocument.get_pymongo_collection().update_one(
                {"_id": self.user_id}, {"$setOnInsert": fields}, upsert=True
            )
            if result.upserted_id is not None:
                await account_lookups().created("users", {"_id": self.user_id} | fields)
        except DuplicateKeyError as error:
            if await account_lookups().user_by_id(self.user_id) is not None:
                return  # the same change applied at once by the request and the relay
            raise ChangeRejectedError("e-mail address already has an account") from error


class ChangeRole(BaseModel):
    kind: Literal["change_role"] = "change_role"
    user_id: str
    role: str

    async def apply(self) -> None:
        await update_user(self.user_id, {"role": self.role})


class ChangeDisplayName(BaseModel):
    kind: Literal["change_display_name"] = "change_display_name"
    user_id: str
    display_name: str

    async def apply(self) -> None:
        await update_user(self.user_id, {"display_name": self.display_name})


class SetDeactivation(BaseModel):
    """Deactivate an account (a time) or reactivate it (None)."""

    kind: Literal["set_deactivation"] = "set_deactivation"
    user_id: str
    deactivated_at: datetime | None

    async def apply(self) -> None:
        await update_user(self.user_id, {"deactivated_at": self.deactivated_at})


class ChangePassword(BaseModel):
    kind: Literal["change_password"] = "change_password"
    user_id: str
    password_hash: str
    changed_at: datetime

    async def apply(self) -> None:
        fields = {"password_hash": self.password_hash, "password_changed_at": self.changed_at}
        newer: Condition = ("password_changed_at", "lt", self.changed_at)
        await update_user(self.user_id, fields, newer)


class CreateSession(BaseModel):
    kind: Literal["create_session"] = "create_session"
    session_id: str
    user_id: str
    token_hash: str
    handoff_code_hash: str
    handoff_expires_at: datetime
    created_at: datetime
    expires_at: datetime
    user_agent: str
    ip_address: str
    # The account is not yet marked as signed in before (its first sign-in, or an account
    # older than the mark): mark it, so later sign-ins read the answer with the account.
    mark_account_signed_in: bool = False

    async def apply(self) -> None:
        if self.mark_account_signed_in:
            # Once per account. On FerretDB a write rewrites the whole document
            # (store_compat 1), so a password change landing in the same millisecond could
            # be undone; MongoDB's $set is atomic. The re-hash at sign-in has the same window.
            await update_user(self.user_id, {"signed_in_before": True})
        fields = {
            "user_id": self.user_id,
            "token_hashes": [self.token_hash],
            "handoff_code_hash": self.handoff_code_hash,
            "handoff_expires_at": self.handoff_expires_at,
            "created_at": self.created_at,
            "last_seen_at": self.created_at,
            "expires_at": self.expires_at,
            "user_agent": self.user_agent,
            "ip_address": self.ip_address,
            "revoked_at": None,
        }
        # An insert, not an upsert: the id is new, and FerretDB answers an upsert by reading
        # every session first (measured: 8.7 ms at 3,000 sessions, against 0.9 ms to insert).
        try:
            await SessionDocument.get_pymongo_collection().insert_one(
                {"_id": self.session_id} | fields
            )
        except DuplicateKeyError:
            return  # applied before (the relay retrying the entry): the session is there
        await account_lookups().created("sessions", {"_id": self.session_id} | fields)


class RevokeSessions(BaseModel):
    """Revoke the listed sessions, or every session of the user begun by ``revoked_at``
    when ``session_ids`` is None (applied again, the same records: harmless)."""

    kind: Literal["revoke_sessions"] = "revoke_sessions"
    user_id: str
    session_ids: list[str] | None
    revoked_at: datetime

    async def apply(self) -> None:
        # Inserted records, not a write to the sessions (a scan of them all on FerretDB):
        # lookups/revocations.py. Into the index before the answer, so no replica serves
        # the session again.
        await store_revocation(self.user_id, self.session_ids, self.revoked_at)
        await account_lookups().sessions_revoked(self.user_id, self.session_ids, self.revoked_at)


Change = Annotated[
    StoreSignUp
    | StorePasswordReset
    | CreateUser
    | ChangeRole
    | ChangeDisplayName
    | SetDeactivation
    | ChangePassword
    | CreateSession
    | RevokeSessions,
    Field(discriminator="kind"),
]
_changes = TypeAdapter(list[Change])


async def _upsert_unless_newer(
    document: type[Any], key: str, stamp_field: str, stamp: datetime, fields: dict[str, Any]
) -> None:
    collection = document.get_pymongo_collection()
    try:
        await collection.update_one(
            {"_id": key, stamp_field: {"$lte": stamp}}, {"$set": fields}, upsert=True
        )
    except DuplicateKeyError:
        log.info("a newer request superseded this one", extra={"collection": document.__name__})
        return
    newer: Condition = (stamp_field, "le", stamp)
    await account_lookups().updated(collection.name, key, {"_id": key} | fields, newer)


async def insert_outbox_entry(
    changes: list[Change], events: list[Event], leased_for: timedelta
) -> OutboxDocument:
    """The commit point of a flow: one atomic write holding its changes and its events.

    The entry starts leased to the committing process, which publishes it straight away
    (no claim round trip); other relays take it only if that lease runs out."""
    now = utc_now()
    entry = OutboxDocument(
        created_at=now,
        changes=[change.model_dump(mode="python") for change in changes],
        events=[
            {
                "subject": event.SUBJECT,
                "event_id": str(event.id),
                "payload": event.to_bytes().decode(),
            }
            for event in events
        ],
        event_ids=[str(event.id) for event in events],
        lease_until=now + leased_for,
    )
    await entry.insert()
    return entry


def may_skip_applied_record(changes: list[Change]) -> bool:
    """Whether applying these changes twice is harmless (all but revoking every session)."""
    return all(getattr(change, "reapply_safe", True) for change in changes)


async def apply_outbox_changes(entry: OutboxDocument, *, record: bool = True) -> None:
    """Apply the entry's changes (idempotent) and record that they are applied.

    ``record=False`` (the committing request, whose relay publishes and deletes the entry at
    once) leaves the record to ``postpone_outbox_entry`` if publishing fails: a crash before
    that means the changes are applied again, which every change tolerates.
    Raises ChangeRejectedError after marking the entry discarded: its events never go out.
    """
    collection = OutboxDocument.get_pymongo_collection()
    try:
        for change in _changes.validate_python(entry.changes):
            await change.apply()
    except ChangeRejectedError:
        await collection.update_one({"_id": entry.id}, {"$set": {"discarded_at": utc_now()}})
        raise
    entry.applied_at = utc_now()
    if record:
        await collection.update_one(
            {"_id": entry.id, "applied_at": None}, {"$set": {"applied_at": entry.applied_at}}
        )


async def claim_next_outbox_entry(lease: timedelta) -> OutboxDocument | None:
    """Take the oldest unsent entry nobody else holds, for ``lease`` (one relay per entry)."""
    now = utc_now()
    raw = await OutboxDocument.get_pymongo_collection().find_one_and_update(
        {"sent_at": None, "discarded_at": None, "lease_until": {"$lte": now}},
        {"$set": {"lease_until": now + lease}, "$inc": {"attempts": 1}},
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else OutboxDocument.model_validate(raw)


async def delete_sent_outbox_entries(entry_ids: list[str]) -> None:
    """Published entries are done: removing them keeps the relay's scan for unsent entries
    as short as the backlog (FerretDB reads the whole collection for it, store_compat 4)."""
    await OutboxDocument.get_pymongo_collection().delete_many({"_id": {"$in": entry_ids}})


async def postpone_outbox_entry(entry: OutboxDocument, delay: timedelta) -> None:
    """Retry later; records ``applied_at`` too when only this process knew it."""
    fields: dict[str, Any] = {"lease_until": utc_now() + delay}
    if entry.applied_at is not None:
        fields["applied_at"] = entry.applied_at
    await OutboxDocument.get_pymongo_collection().update_one(
        {"_id": entry.id, "sent_at": None}, {"$set": fields}
    )


async def count_pending_outbox_entries() -> int:
    return await OutboxDocument.find({"sent_at": None, "discarded_at": None}).count()
