"""Event contracts between the services, shared by publishers and consumers (the events
chat_svc sends only to its own replicas are in chat_svc/events.py).

Every event is a frozen, typed model with ``id``, ``occurred_at`` and ``schema_version``,
named in the past tense, and published on exactly one subject (``SUBJECT``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError


def utc_now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    SUBJECT: ClassVar[str]

    id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=utc_now)
    schema_version: int = 1

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


# --- auth_svc -> mail_svc -------------------------------------------------------------


class SealedLinkRequested(Event):
    """A link that opens an account, mailed to its owner: it travels sealed for mail_svc
    (service_kit/people/sealed_links.py). Never published itself: its two kinds below are."""

    schema_version: int = 2  # 1 carried the link in clear as ``link``
    email: EmailStr
    display_name: str
    sealed_link: str
    expires_at: datetime


class SignUpRequested(SealedLinkRequested):
    """A person asked for an account; mail_svc sends them the set-password link."""

    SUBJECT: ClassVar[str] = "auth.sign_up.requested"


class SignUpAttemptedForExistingAccount(Event):
    """Someone signed up with an address that already has an account (no new link)."""

    SUBJECT: ClassVar[str] = "auth.sign_up.existing_account"
    email: EmailStr
    display_name: str
    sign_in_link: str
    reset_link: str


class UserSignedIn(Event):
    """A new session was created; mail_svc sends a sign-in notification, except for the
    account's first sign-in (right after sign-up, the person knows)."""

    SUBJECT: ClassVar[str] = "auth.user.signed_in"
    user_id: str
    email: EmailStr
    display_name: str
    user_agent: str
    ip_address: str
    # Added later with defaults, so events already in the stream still decode.
    first_sign_in: bool = False
    reset_link: str | None = None  # "not you? reset your password" (no token in it)


class PasswordResetRequested(SealedLinkRequested):
    """Someone asked to reset a password; mail_svc sends the owner the reset link."""

    SUBJECT: ClassVar[str] = "auth.password_reset.requested"


class PasswordChanged(Event):
    SUBJECT: ClassVar[str] = "auth.password.changed"
    user_id: str
    email: EmailStr
    display_name: str
    reset_link: str | None = None  # added later with a default, like UserSignedIn's


# --- auth_svc -> chat_svc -------------------------------------------------------------


class UserCreated(Event):
    SUBJECT: ClassVar[str] = "auth.user.created"
    user_id: str
    email: EmailStr
    display_name: str
    role: str = "member"  # added later with a default (service_kit/people/roles.py)


class UserRoleChanged(Event):
    """An account became an administrator or a member again (chat keeps a copy)."""

    SUBJECT: ClassVar[str] = "auth.user.role_changed"
    user_id: str
    role: str


class SessionRevoked(Event):
    """A session ended (sign-out, sign-out everywhere, password reset)."""

    SUBJECT: ClassVar[str] = "auth.session.revoked"
    user_id: str
    session_id: str
    # Every session of the person ended (sign-out everywhere, password reset): chat revokes
    # their API tokens too. Added later with a default, so older events still decode.
    everywhere: bool = False


# --- chat_svc -> mail_svc -------------------------------------------------------------


class MentionInDigest(BaseModel):
    """One unread mention as the e-mail lists it (chat_svc built the link from its own
    configured public URL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    room_name: str
    author_name: str
    excerpt: str
    link: str
    posted_at: datetime


class MentionDigestRequested(Event):
    """Someone stayed away from mentions of them: mail_svc sends ONE e-mail listing them.

    chat_svc stores the event (its own outbox, models/digest_records.py) before publishing
    it, so a re-publish after a crash carries the same id and mail_svc drops it.
    ``unsubscribe_link`` turns these e-mails off in one click (RFC 8058), without signing in.
    """

    SUBJECT: ClassVar[str] = "chat.mention_digest.requested"
    user_id: str
    email: EmailStr
    display_name: str
    mentions: tuple[MentionInDigest, ...] = Field(min_length=1)
    unsubscribe_link: str


EVENT_TYPES: tuple[type[Event], ...] = (
    SignUpRequested,
    SignUpAttemptedForExistingAccount,
    UserSignedIn,
    PasswordResetRequested,
    PasswordChanged,
    UserCreated,
    UserRoleChanged,
    SessionRevoked,
    MentionDigestRequested,
)
EVENT_BY_SUBJECT: dict[str, type[Event]] = {cls.SUBJECT: cls for cls in EVENT_TYPES}


class MalformedEventError(ValueError):
    """The bytes on a subject do not form the event that subject carries."""


def decode_event(subject: str, data: bytes) -> Event:
    event_type = EVENT_BY_SUBJECT.get(subject)
    if event_type is None:
        raise MalformedEventError(f"no event type is published on subject {subject!r}")
    try:
        return event_type.model_validate_json(data)
    except ValidationError as error:
        # Never echo input values: a malformed event may still carry a token link.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'payload'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise MalformedEventError(f"invalid {event_type.__name__}: {problems}") from error


def event_summary(event: Event) -> dict[str, Any]:
    """Fields safe to log: never links (they carry tokens) nor message bodies."""
    return {"event_type": type(event).__name__, "event_id": str(event.id)}
