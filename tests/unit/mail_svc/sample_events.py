"""One event of each type mail_svc sends an e-mail for, with the links it must show."""

from __future__ import annotations

from datetime import UTC, datetime

from service_kit.events import (
    Event,
    MentionDigestRequested,
    MentionInDigest,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    SignUpRequested,
    UserSignedIn,
)
from service_kit.people.sealed_links import DEV_LINK_SEAL_KEY, LinkSeal, seal_event

PUBLIC_URL = "https://chat.example.test"
DEV_SEAL = LinkSeal(DEV_LINK_SEAL_KEY)  # the key MailSettings holds by default
EXPIRES = datetime(2030, 1, 2, 15, 4, tzinfo=UTC)


def sample_events() -> list[tuple[Event, list[str]]]:
    """Each event with the links (from auth_svc's public URL) its e-mail must contain."""
    return [
        (
            seal_event(
                DEV_SEAL,
                SignUpRequested,
                email="ada@example.com",
                display_name="Ada",
                link=f"{PUBLIC_URL}/set-password?token=tok-sign-up&x=1",
                expires_at=EXPIRES,
            ),
            [f"{PUBLIC_URL}/set-password?token=tok-sign-up&x=1"],
        ),
        (
            SignUpAttemptedForExistingAccount(
                email="ada@example.com",
                display_name="Ada",
                sign_in_link=f"{PUBLIC_URL}/sign-in",
                reset_link=f"{PUBLIC_URL}/reset-password",
            ),
            [f"{PUBLIC_URL}/sign-in", f"{PUBLIC_URL}/reset-password"],
        ),
        (
            UserSignedIn(
                user_id="u-1",
                email="ada@example.com",
                display_name="Ada",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                ip_address="203.0.113.7",
                reset_link=f"{PUBLIC_URL}/forgot-password",
            ),
            [f"{PUBLIC_URL}/forgot-password"],
        ),
        (
            seal_event(
                DEV_SEAL,
                PasswordResetRequested,
                email="ada@example.com",
                display_name="Ada",
                link=f"{PUBLIC_URL}/reset-password/confirm?token=tok-reset",
                expires_at=EXPIRES,
            ),
            [f"{PUBLIC_URL}/reset-password/confirm?token=tok-reset"],
        ),
        (
            PasswordChanged(
                user_id="u-1",
                email="ada@example.com",
                display_name="Ada",
                reset_link=f"{PUBLIC_URL}/forgot-password",
            ),
            [f"{PUBLIC_URL}/forgot-password"],
        ),
        (
            MentionDigestRequested(
                user_id="u-1",
                email="ada@example.com",
                display_name="Ada",
                mentions=(
                    MentionInDigest(
                        room_name="general",
                        author_name="Grace",
                        excerpt="@Ada can you look at this & that?",
                        link=f"{PUBLIC_URL}/rooms/general#message-7",
                        posted_at=EXPIRES,
                    ),
                ),
                unsubscribe_link=f"{PUBLIC_URL}/unsubscribe/mentions/v1.token",
            ),
            [
                f"{PUBLIC_URL}/rooms/general#message-7",
                f"{PUBLIC_URL}/unsubscribe/mentions/v1.token",
            ],
        ),
    ]
