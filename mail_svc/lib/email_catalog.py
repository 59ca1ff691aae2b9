"""The table from event type to the e-mail it triggers: template, subject and values.

Links are taken from the event as auth_svc built them from its configured public URL (the
ones that open an account sealed, service_kit/people/sealed_links.py); nothing here looks at
request headers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mail_svc.lib.user_agent_names import browser_and_system
from mail_svc.settings import MailSettings
from service_kit.events import (
    Event,
    MentionDigestRequested,
    PasswordChanged,
    PasswordResetRequested,
    SignUpAttemptedForExistingAccount,
    SignUpRequested,
    UserSignedIn,
)
from service_kit.people.sealed_links import LinkSeal, link_in


@dataclass(frozen=True)
class EmailDraft:
    """What to send to whom, before rendering."""

    to: str
    template: str
    subject: str
    context: dict[str, object]
    # Extra headers for this e-mail alone (List-Unsubscribe on the mention e-mail).
    headers: dict[str, str] = field(default_factory=dict)


def readable_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %B %Y, %H:%M UTC")


def _base_context(settings: MailSettings, display_name: str) -> dict[str, object]:
    return {"product_name": settings.product_name, "display_name": display_name}


def sign_up_requested_email(event: SignUpRequested, settings: MailSettings) -> EmailDraft:
    return EmailDraft(
        to=event.email,
        template="sign_up_requested",
        subject=settings.subject_sign_up_requested,
        context=_base_context(settings, event.display_name)
        | {"link": _open_link(event, settings), "expires_at": readable_time(event.expires_at)},
    )


def _open_link(event: SignUpRequested | PasswordResetRequested, settings: MailSettings) -> str:
    """SealBrokenError (a ValueError: dead-lettered, never retried) when it does not open."""
    return link_in(event, LinkSeal(settings.link_seal_key))


def existing_account_email(
    event: SignUpAttemptedForExistingAccount, settings: MailSettings
) -> EmailDraft:
    return EmailDraft(
        to=event.email,
        template="sign_up_existing_account",
        subject=settings.subject_sign_up_existing_account,
        context=_base_context(settings, event.display_name)
        | {"sign_in_link": event.sign_in_link, "reset_link": event.reset_link},
    )


def user_signed_in_email(event: UserSignedIn, settings: MailSettings) -> EmailDraft:
    return EmailDraft(
        to=event.email,
        template="user_signed_in",
        subject=settings.subject_user_signed_in,
        context=_base_context(settings, event.display_name)
        | {
            "signed_in_at": readable_time(event.occurred_at),
            "browser": browser_and_system(event.user_agent),
            "ip_address": event.ip_address,
            "reset_link": event.reset_link,
        },
    )


def password_reset_requested_email(
    event: PasswordResetRequested, settings: MailSettings
) -> EmailDraft:
    return EmailDraft(
        to=event.email,
        template="password_reset_requested",
        subject=settings.subject_password_reset_requested,
        context=_base_context(settings, event.display_name)
        | {"link": _open_link(event, settings), "expires_at": readable_time(event.expires_at)},
    )


def password_changed_email(event: PasswordChanged, settings: MailSettings) -> EmailDraft:
    return EmailDraft(
        to=event.email,
        template="password_changed",
        subject=settings.subject_password_changed,
        context=_base_context(settings, event.display_name)
        | {"changed_at": readable_time(event.occurred_at), "reset_link": event.reset_link},
    )


def _first_and_more(names: list[str], others: str) -> str:
    """ "Ada", "Ada and Bob", "Ada and 2 others" (in the order the e-mail lists them)."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= 2:
        return " and ".join(unique)
    return f"{unique[0]} and {len(unique) - 1} {others}"


def mention_subject(event: MentionDigestRequested, template: str) -> str:
    """Who and where, so the inbox tells what waits (issue 37, item 23)."""
    who = _first_and_more([m.author_name for m in event.mentions], "others")
    where = _first_and_more([m.room_name for m in event.mentions], "other rooms")
    return template.replace("{who}", who).replace("{where}", where)


def mention_digest_email(event: MentionDigestRequested, settings: MailSettings) -> EmailDraft:
    """Unread mentions, listed; the only e-mail a person can unsubscribe from, in one click
    (RFC 8058): the link is chat_svc's, per person, and needs no sign-in."""
    return EmailDraft(
        to=event.email,
        template="mention_digest",
        subject=mention_subject(event, settings.subject_mention_digest),
        context=_base_context(settings, event.display_name)
        | {
            "mentions": [
                {
                    "room_name": mention.room_name,
                    "author_name": mention.author_name,
                    "excerpt": mention.excerpt,
                    "link": mention.link,
                    "posted_at": readable_time(mention.posted_at),
                }
                for mention in event.mentions
            ],
            "unsubscribe_link": event.unsubscribe_link,
        },
        headers={
            "List-Unsubscribe": f"<{event.unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


# Each composer takes its own event class; the table is keyed by that class.
EMAIL_FOR_EVENT: dict[type[Event], Callable[[Any, MailSettings], EmailDraft]] = {
    SignUpRequested: sign_up_requested_email,
    SignUpAttemptedForExistingAccount: existing_account_email,
    UserSignedIn: user_signed_in_email,
    PasswordResetRequested: password_reset_requested_email,
    PasswordChanged: password_changed_email,
    MentionDigestRequested: mention_digest_email,
}


class NoEmailForEventError(LookupError):
    """mail_svc received an event type it has no e-mail for."""


def is_worth_an_email(event: Event) -> bool:
    """Events that need no e-mail this time: the sign-in right after sign-up (the person
    knows; a "new sign-in" warning there teaches people to ignore it)."""
    return not (isinstance(event, UserSignedIn) and event.first_sign_in)


def draft_email(event: Event, settings: MailSettings) -> EmailDraft:
    composer = EMAIL_FOR_EVENT.get(type(event))
    if composer is None:
        raise NoEmailForEventError(f"no e-mail for {type(event).__name__}")
    return composer(event, settings)
