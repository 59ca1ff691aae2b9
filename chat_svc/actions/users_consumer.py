"""The durable ``chat_svc_users`` consumer: copies new users, and their role changes, into
chat's own store."""

from __future__ import annotations

import logging

from nats.js import JetStreamContext

from chat_svc.actions.membership_changes import Memberships
from chat_svc.models.users import set_role, upsert_user
from service_kit.events import Event, UserCreated, UserRoleChanged, event_summary
from service_kit.messaging.jetstream import DeadLetterError, DurableConsumer, EventHandler, Topology

log = logging.getLogger(__name__)

DURABLE = "chat_svc_users"


def user_event_handler(memberships: Memberships) -> EventHandler:
    async def handle_user_event(event: Event) -> None:
        if isinstance(event, UserRoleChanged):
            await set_role(event.user_id, event.role)
            log.info("role copied", extra=event_summary(event) | {"user_id": event.user_id})
            return
        if not isinstance(event, UserCreated):
            raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
        # Upserts keyed by user id (and room): a redelivered event leaves exactly one user,
        # a member of general once.
        await upsert_user(event.user_id, str(event.email), event.display_name)
        await set_role(event.user_id, event.role)
        await memberships.join_general(event.user_id)
        log.info("user copied", extra=event_summary(event) | {"user_id": event.user_id})

    return handle_user_event


def users_consumer(
    js: JetStreamContext, topology: Topology, memberships: Memberships
) -> DurableConsumer:
    return DurableConsumer(js, topology, DURABLE, user_event_handler(memberships))
