"""The durable ``chat_svc_users`` consumer: copies new users into chat's own store."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext

from chat_svc.models.users import upsert_user
from service_kit.events import Event, UserCreated, event_summary
from service_kit.jetstream import DeadLetterError, DurableConsumer, Topology

log = logging.getLogger(__name__)

DURABLE = "chat_svc_users"


async def handle_user_event(event: Event) -> None:
    if not isinstance(event, UserCreated):
        raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
    # An upsert keyed by user id: a redelivered event leaves exactly one user.
    await upsert_user(event.user_id, str(event.email), event.display_name)
    log.info("user copied", extra=event_summary(event) | {"user_id": event.user_id})


def users_consumer(js: JetStreamContext, topology: Topology) -> DurableConsumer:
    return DurableConsumer(js, topology, DURABLE, handle_user_event)
