"""The ``chat_svc_tokens`` durable: tokens end with the person's sessions. Sign-out
everywhere (``SessionRevoked`` with ``everywhere``, which deactivation reuses) and a password
change revoke every personal token of the person.

A durable, not a core subscription on every replica: token checks read Valkey and the
database, never a per-replica copy, so one replica revoking is enough for all, and an event
published while no replica ran is still waiting in AUTH_EVENTS when one starts. Revoking
twice finds nothing left the second time, so a redelivery is harmless."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chat_svc.tokens.token_checks import ApiTokens
from service_kit.events import Event, PasswordChanged, SessionRevoked
from service_kit.messaging.jetstream import DeadLetterError

DURABLE = "chat_svc_tokens"


def revoke_with_the_person(tokens: ApiTokens) -> Callable[[Event], Awaitable[None]]:
    async def handle(event: Event) -> None:
        if isinstance(event, SessionRevoked):
            if event.everywhere:  # one session signing out leaves the tokens alone
                await tokens.revoke(event.user_id)
        elif isinstance(event, PasswordChanged):
            await tokens.revoke(event.user_id)
        else:
            raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")

    return handle
