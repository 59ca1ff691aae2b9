"""Tokens end with the person's sessions: sign-out everywhere (``SessionRevoked`` with
``everywhere``, which deactivation reuses) and a password change revoke every personal
token. Every replica hears the event on core NATS and revokes; the second finds nothing
left to revoke, so it is idempotent.

A core subscription misses events published while no replica runs; a durable consumer
would not (left for later: it needs a durable declared in nats/jetstream.json).
"""

from __future__ import annotations

import logging

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from chat_svc.tokens.token_checks import ApiTokens
from service_kit.events import PasswordChanged, SessionRevoked

log = logging.getLogger(__name__)


async def follow_person_revocations(nats: NATS, tokens: ApiTokens) -> list[Subscription]:
    async def on_session_revoked(msg: Msg) -> None:
        try:
            event = SessionRevoked.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed SessionRevoked dropped: %s", error)
            return
        if event.everywhere:
            await tokens.revoke(event.user_id)

    async def on_password_changed(msg: Msg) -> None:
        try:
            event = PasswordChanged.model_validate_json(msg.data)
        except ValidationError as error:
            log.error("malformed PasswordChanged dropped: %s", error)
            return
        await tokens.revoke(event.user_id)

    subscriptions = [
        await nats.subscribe(SessionRevoked.SUBJECT, cb=on_session_revoked),
        await nats.subscribe(PasswordChanged.SUBJECT, cb=on_password_changed),
    ]
    await nats.flush()
    return subscriptions
