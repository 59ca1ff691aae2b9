"""What auth_svc keeps in the document store (one beanie class per collection).

Reads go through these classes; writes that must be atomic use the PyMongo collection
(``get_pymongo_collection()``) with explicit filters, so single use and expiry are decided
by the store, not by a read followed by a write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from service_kit.storage.store_compat import Claim


def as_utc(moment: datetime) -> datetime:
    """The client is tz-aware; a naive value can only come from an older document."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_id() -> str:
    """A document's id: random, so ids say nothing about order or count."""
    return uuid4().hex


class UserDocument(Document):
    id: str = Field(default_factory=new_id)  # type: ignore[assignment]
    email: str
    display_name: str
    password_hash: str
    created_at: datetime
    password_changed_at: datetime
    # Read with the account at sign-in, so "first sign-in?" costs no query of its own.
    # None: an account from before this field; its sessions tell (models/sessions.py).
    signed_in_before: bool | None = None
    role: str = "member"  # "admin" | "member" | "bot": service_kit/people/roles.py
    deactivated_at: datetime | None = None  # set: no sign-in, no session (administration/)

    class Settings:
        name = "users"
        indexes = [IndexModel("email", unique=True)]


class SignUpDocument(Document):
    """A pending sign-up, one per e-mail address: a new request replaces the token."""

    id: str  # type: ignore[assignment]  # the normalised e-mail address
    display_name: str
    token_hash: str
    requested_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    class Settings:
        name = "sign_ups"
        indexes = [IndexModel("token_hash")]


class PasswordResetDocument(Document):
    """A pending password reset, one per user: a new request replaces the token."""

    id: str  # type: ignore[assignment]  # the user id
    token_hash: str
    requested_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    class Settings:
        name = "password_resets"
        indexes = [IndexModel("token_hash")]


class SessionDocument(Document):
    """One signed-in browser. ``token_hashes`` holds auth's own cookie token and, once the
    hand-off code is redeemed, chat's token: revoking the session ends both."""

    id: str = Field(default_factory=new_id)  # type: ignore[assignment]
    user_id: str
    token_hashes: list[str]
    handoff_code_hash: str | None = None
    handoff_expires_at: datetime | None = None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str = ""
    ip_address: str = ""
    revoked_at: datetime | None = None

    class Settings:
        name = "sessions"
        indexes = [
            IndexModel("token_hashes"),
            IndexModel("handoff_code_hash"),
            IndexModel([("user_id", ASCENDING), ("revoked_at", ASCENDING)]),
        ]


class SessionToken(Document):
    """chat's token of a session, added when the hand-off code is redeemed: an insert of
    its own, because on FerretDB any write to the session reads the whole collection
    (2.7 s at 100,000 sessions); an insert does not."""

    id: str  # type: ignore[assignment]  # the token's hash
    session_id: str

    class Settings:
        name = "session_tokens"


class SessionRevocation(Document):
    """A revocation, inserted: one session (``session_id``) or every session of the user
    begun by ``revoked_at`` (``session_id`` None). On FerretDB writing ``revoked_at`` onto
    the sessions read every session (13.7 s at 100,000); an insert does not. Sessions
    revoked before these records carry ``revoked_at`` themselves (lookups/revocations.py)."""

    id: str  # type: ignore[assignment]  # "session:<id>" or "user:<id>:<time>": replays collide
    user_id: str
    session_id: str | None = None
    revoked_at: datetime

    class Settings:
        name = "session_revocations"
        indexes = [
            IndexModel(
                [("user_id", ASCENDING), ("session_id", ASCENDING), ("revoked_at", ASCENDING)]
            )
        ]


class HandoffCode(Document):
    """A new hand-off code for a session already signed in at auth (chat asks again): an
    insert, as SessionToken, rather than a write to the session."""

    id: str  # type: ignore[assignment]  # the code's hash
    session_id: str
    expires_at: datetime

    class Settings:
        name = "handoff_codes"


class SessionActivity(Document):
    """When a session was last used (see auth_svc/models/sessions.py for why apart)."""

    id: str  # type: ignore[assignment]  # the session id
    last_seen_at: datetime

    class Settings:
        name = "session_activity"


class SessionUseBatch(Document):
    """Sessions one replica saw used in one interval (auth_svc/lookups/use_batches.py)."""

    id: str = Field(default_factory=new_id)  # type: ignore[assignment]
    at: datetime
    uses: list[dict[str, Any]]  # {"s": session id, "at": last use}

    class Settings:
        name = "session_use_batches"
        indexes = [IndexModel("at")]


class JoinCodeDocument(Document):
    """The team's one join link code (auth_svc/joining/join_codes.py); shown to
    administrators, so it is kept as it is, not hashed."""

    id: str  # type: ignore[assignment]  # always JOIN_CODE_ID: one per install
    code: str
    created_at: datetime

    class Settings:
        name = "join_codes"


class OutboxDocument(Document):
    """A state change and the events it causes, written as one document (see outbox.py)."""

    id: str = Field(default_factory=new_id)  # type: ignore[assignment]
    created_at: datetime
    changes: list[dict[str, Any]]
    events: list[dict[str, str]]  # subject, event_id, payload; emptied once sent
    event_ids: list[str]
    applied_at: datetime | None = None
    sent_at: datetime | None = None
    discarded_at: datetime | None = None
    attempts: int = 0
    lease_until: datetime

    class Settings:
        name = "outbox"
        indexes = [IndexModel([("sent_at", ASCENDING), ("lease_until", ASCENDING)])]


DOCUMENT_MODELS: list[type[Document]] = [
    UserDocument,
    SignUpDocument,
    PasswordResetDocument,
    SessionDocument,
    SessionToken,
    SessionActivity,
    SessionRevocation,
    HandoffCode,
    SessionUseBatch,
    OutboxDocument,
    JoinCodeDocument,
    Claim,
]
