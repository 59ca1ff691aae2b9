"""The consumer's handler: one event in, at most one accepted e-mail out.

Order matters for the guarantees: skip if this event's e-mail was already accepted, send,
then record the id. Returning normally lets the consumer ack; raising makes it retry later;
``DeadLetterError`` means retrying can never help.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from jinja2 import TemplateError
from redis.exceptions import RedisError

from mail_svc.lib.email_catalog import NoEmailForEventError, draft_email, is_worth_an_email
from mail_svc.lib.email_message import build_email_message
from mail_svc.lib.email_rendering import EmailRenderer
from mail_svc.lib.smtp_client import PermanentSmtpError, SmtpClient
from mail_svc.settings import MailSettings
from service_kit.events import Event, event_summary
from service_kit.jetstream import DeadLetterError
from service_kit.processed_events import ProcessedEvents

log = logging.getLogger(__name__)


@dataclass
class DeliveryCounters:
    sent: int = 0
    duplicates_skipped: int = 0
    not_needed: int = 0


@dataclass
class MailDelivery:
    settings: MailSettings
    smtp: SmtpClient
    sent_ids: ProcessedEvents
    renderer: EmailRenderer = field(default_factory=EmailRenderer)
    counters: DeliveryCounters = field(default_factory=DeliveryCounters)

    async def handle(self, event: Event) -> None:
        summary = event_summary(event)
        # If Redis is down this raises and the event is retried: better late than twice.
        if await self.sent_ids.already_processed(event.id):
            self.counters.duplicates_skipped += 1
            log.info("e-mail for this event was already accepted; skipping", extra=summary)
            return
        if not is_worth_an_email(event):
            self.counters.not_needed += 1
            log.info("no e-mail needed for this event", extra=summary)
            return
        try:
            draft = draft_email(event, self.settings)
            rendered = self.renderer.render(draft.template, draft.subject, draft.context)
            message = build_email_message(
                rendered, sender=self.settings.sender, to=draft.to, event_id=event.id
            )
        except (NoEmailForEventError, TemplateError, ValueError) as error:
            raise DeadLetterError(f"cannot compose e-mail: {error}") from error
        try:
            await self.smtp.send(message)
        except PermanentSmtpError as error:
            raise DeadLetterError(f"SMTP server refused the e-mail: {error}") from error
        self.counters.sent += 1
        log.info("e-mail accepted by SMTP server", extra=summary | {"template": draft.template})
        try:
            await self.sent_ids.mark_processed(event.id)
        except RedisError as error:
            # Still ack: retrying now would certainly send a second copy.
            log.warning("e-mail sent but its event id was not recorded: %s", error, extra=summary)
