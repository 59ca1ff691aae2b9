"""Accounts as the hot paths look them up: a user by e-mail or id, a session by token,
hand-off code or user, a mailed token by its hash. One interface (``AccountLookups``),
two implementations chosen by ``AUTH_LOOKUP_INDEX``:

- ``database`` (in_database.py, production on MongoDB, compose): the store's own indexes
  serve every read (docs/deploy.md lists the index of each query shape).
- ``valkey`` (in_valkey.py, the default for dev and tests on FerretDB, whose indexes serve
  no query: even an ``_id`` read scans, ~60 µs per stored document): Valkey holds the
  documents themselves, written through after each database write. The database stays the
  record: a flushed or lost index is rebuilt from it in the background, and reads go to
  the database (one at a time) until it is complete again.

Callers get the document as stored and decide liveness (revoked, expired, used) themselves,
so both implementations answer the same question the same way.

The lookups in use are installed process-wide at start-up, as beanie binds its models
process-wide: the outbox's changes (models/outbox.py) write through them wherever they are
applied (a request, the relay, ``just admin``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal, Protocol

from redis.asyncio import Redis

from auth_svc.lookups.in_database import DatabaseLookups
from auth_svc.lookups.in_valkey import ValkeyLookups
from auth_svc.lookups.write_through import Condition, Fields
from auth_svc.models.documents import (
    PasswordResetDocument,
    SessionDocument,
    SignUpDocument,
    UserDocument,
)

LookupKind = Literal["valkey", "database"]


class AccountLookups(Protocol):
    # Whether a conditional write's condition goes to the store (models/users.py).
    store_decides_conditions: ClassVar[bool]

    async def user_by_email(self, email: str) -> UserDocument | None: ...

    async def user_by_id(self, user_id: str) -> UserDocument | None: ...

    async def session_by_token(self, token_hash: str) -> SessionDocument | None:
        """The session holding this token hash, whatever its state, with its last use."""
        ...

    async def session_by_handoff_code(self, code_hash: str) -> SessionDocument | None: ...

    async def session_ids_of_user(self, user_id: str) -> list[tuple[str, bool]]:
        """Every stored session of the user: (id, revoked)."""
        ...

    async def sign_up_by_token(self, token_hash: str) -> SignUpDocument | None: ...

    async def password_reset_by_token(self, token_hash: str) -> PasswordResetDocument | None: ...

    async def record_use(self, session_id: str, now: datetime) -> None:
        """The session was just used (its idle timeout starts again)."""
        ...

    async def sessions_revoked(
        self, user_id: str, session_ids: list[str] | None, revoked_at: datetime
    ) -> None:
        """Write-through of a revocation the store just recorded (lookups/revocations.py):
        these sessions, or (None) every session of the person begun by ``revoked_at``."""
        ...

    async def session_token_added(self, session_id: str, token_hash: str) -> None:
        """Write-through: chat's token of the session (models/documents.py SessionToken)."""
        ...

    async def created(self, collection: str, document: Fields) -> None:
        """Write-through: a document the database just stored whole (``_id`` included)."""
        ...

    async def updated(
        self, collection: str, key: str, fields: Fields, condition: Condition | None = None
    ) -> None:
        """Write-through: ``$set`` of ``fields`` that the database just applied, unless the
        index holds a newer state (``condition`` false on it)."""
        ...

    async def wait_rebuilt(self) -> None:
        """Until a background rebuild under way ends (tests, the benchmark)."""
        ...

    async def stop(self) -> None: ...


_installed: list[AccountLookups] = []


def open_lookups(kind: LookupKind, redis: Redis) -> AccountLookups:
    return ValkeyLookups(redis) if kind == "valkey" else DatabaseLookups()


def install_lookups(lookups: AccountLookups | None) -> None:
    """Make ``lookups`` the ones every read and write-through uses (None: the database)."""
    _installed[:] = [] if lookups is None else [lookups]


def account_lookups() -> AccountLookups:
    return _installed[0] if _installed else DatabaseLookups()
