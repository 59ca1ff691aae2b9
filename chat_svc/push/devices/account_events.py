"""The ``chat_svc_push_accounts`` durable: a session that ends takes the devices it
registered with it (sign-out, and each session of a sign-out everywhere or a
deactivation); a password change deletes all of the person's subscriptions."""

from __future__ import annotations

import logging

from chat_svc.push.devices.subscriptions import delete_subscriptions_of
from service_kit.events import Event, PasswordChanged, SessionRevoked
from service_kit.messaging.jetstream import DeadLetterError

log = logging.getLogger(__name__)

DURABLE = "chat_svc_push_accounts"


async def forget_devices(event: Event) -> None:
    if isinstance(event, SessionRevoked):
        deleted = await delete_subscriptions_of(session_id=event.session_id)
    elif isinstance(event, PasswordChanged):
        deleted = await delete_subscriptions_of(user_id=event.user_id)
    else:
        raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
    if deleted:
        log.info("push subscriptions deleted", extra={"count": deleted, "event": event.id})
