"""The ``chat_svc_push`` durable: each posted message, taken by one replica (a work queue
over CHAT_EVENTS), becomes pushes to the members away whose level asks for it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis

from chat_svc.events import MessagePosted
from chat_svc.push.devices.preferences import select_hiding_text
from chat_svc.push.sending.device_sends import DeviceSends
from chat_svc.push.sending.payloads import message_payload
from chat_svc.push.sending.push_windows import PushWindows
from chat_svc.push.sending.recipients import RecipientSources, select_recipients
from service_kit.events import Event
from service_kit.messaging.jetstream import DeadLetterError, RetryLaterError

log = logging.getLogger(__name__)

DURABLE = "chat_svc_push"
RETRY_SECONDS = 2.0


@dataclass
class MessagePushes:
    redis: Redis
    windows: PushWindows
    sends: DeviceSends
    sources: RecipientSources  # the room's members, and the places of those who may ask
    away_seconds: float

    async def handle(self, event: Event) -> None:
        if not isinstance(event, MessagePosted):
            raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
        recipients = await select_recipients(event, self.sources, self.redis, self.away_seconds)
        if not recipients:
            return
        people = [r.user_id for r in recipients]
        now = set(await self.windows.open_or_hold(people, event.room, event.message_id))
        due = {r.user_id: r for r in recipients if r.user_id in now}
        if not due:
            return
        hiding = await select_hiding_text(due)

        def payload_for(user_id: str) -> bytes:
            recipient = due[user_id]
            return message_payload(
                room=event.room,
                where=recipient.where,
                direct=recipient.direct,
                author=event.author_name,
                body=event.body,
                message_id=event.message_id,
                hide_text=user_id in hiding,
            )

        push_key = f"{event.room}:{event.message_id}"
        if not await self.sends.to_people(push_key, payload_for, list(due)):
            raise RetryLaterError("a push service asked to retry", RETRY_SECONDS)
        log.info("message pushed", extra={"room": event.room, "people": len(due)})
