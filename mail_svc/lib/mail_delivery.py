"""The consumer's handler: one event in, one accepted e-mail out (a duplicate only in a
window of one Redis write, with the same Message-ID so mail clients fold it).

Per event id, a record in Redis: "sending since T" before the SMTP transaction, "sent"
after it. A (re)delivered event whose record is
- "sent": acked without sending;
- "sending", younger than a whole SMTP transaction can take: nak'ed until that is over
  (another worker may be mid-send, e.g. after the consumer's ack_wait ran out);
- "sending", older: the worker that began it died (or lost Redis) between "sending" and
  "sent": sent again. If its server had accepted the e-mail, this is the one duplicate
  left; docs/deploy.md states the window.
Returning normally lets the consumer ack; raising makes it retry later; ``DeadLetterError``
means retrying can never help.
"""

from __future__ import annotations

import contextlib
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
from service_kit.messaging.jetstream import DeadLetterError, RetryLaterError
from service_kit.messaging.processed_events import Claim, ClaimState, ProcessedEvents

log = logging.getLogger(__name__)

# Beyond the SMTP deadline before a "sending" record is taken as abandoned: one Redis write
# and scheduling delays; the records are timed by the Redis server's clock.
CLAIM_MARGIN_SECONDS = 1.0


@dataclass
class DeliveryCounters:
    sent: int = 0
    duplicates_skipped: int = 0
    deferred_in_progress: int = 0
    resent_abandoned: int = 0
    not_needed: int = 0


@dataclass
class MailDelivery:
    settings: MailSettings
    smtp: SmtpClient
    sent_ids: ProcessedEvents
    renderer: EmailRenderer = field(default_factory=EmailRenderer)
    counters: DeliveryCounters = field(default_factory=DeliveryCounters)

    @property
    def stale_after_seconds(self) -> float:
        """A "sending" record older than this belongs to an attempt that is over."""
        return self.settings.smtp_timeout_seconds + CLAIM_MARGIN_SECONDS

    async def handle(self, event: Event) -> None:
        summary = event_summary(event)
        if not is_worth_an_email(event):
            self.counters.not_needed += 1
            log.info("no e-mail needed for this event", extra=summary)
            return
        try:
            draft = draft_email(event, self.settings)
            rendered = self.renderer.render(draft.template, draft.subject, draft.context)
            message = build_email_message(
                rendered,
                sender=self.settings.sender,
                to=draft.to,
                event_id=event.id,
                headers=draft.headers,
            )
        except (NoEmailForEventError, TemplateError, ValueError) as error:
            raise DeadLetterError(f"cannot compose e-mail: {error}") from error
        # If Redis is down this raises and the event is retried: better late than twice.
        claim = await self.sent_ids.claim(event.id, self.stale_after_seconds)
        self._note(claim, summary)
        if claim.state is ClaimState.DONE:
            return
        try:
            await self.smtp.send(message)
        except Exception as error:
            # Nothing was accepted as far as we know: a retry need not wait for the claim.
            # (A cancelled send keeps its claim: the retry waits until it is abandoned.)
            with contextlib.suppress(RedisError):
                await self.sent_ids.release(event.id, claim)
            if isinstance(error, PermanentSmtpError):
                raise DeadLetterError(f"SMTP server refused the e-mail: {error}") from error
            raise
        self.counters.sent += 1
        log.info("e-mail accepted by SMTP server", extra=summary | {"template": draft.template})
        try:
            await self.sent_ids.mark_processed(event.id)
        except RedisError as error:
            # Still ack: retrying now would certainly send a second copy.
            log.warning("e-mail sent but its event id was not recorded: %s", error, extra=summary)

    def _note(self, claim: Claim, summary: dict[str, object]) -> None:
        """Count and log what the claim found; raise to defer an attempt under way."""
        if claim.state is ClaimState.DONE:
            self.counters.duplicates_skipped += 1
            log.info("e-mail for this event was already accepted; skipping", extra=summary)
        elif claim.state is ClaimState.IN_PROGRESS:
            self.counters.deferred_in_progress += 1
            wait = max(self.stale_after_seconds - claim.age_seconds, 0.0) + 0.1
            log.info("another attempt may be sending this e-mail; retrying later", extra=summary)
            raise RetryLaterError(f"an attempt began {claim.age_seconds:.1f}s ago", wait)
        elif claim.state is ClaimState.ABANDONED:
            self.counters.resent_abandoned += 1
            log.warning(
                "an attempt to send this e-mail was abandoned mid-way; sending it again with "
                "the same Message-ID (a duplicate if its server had accepted it)",
                extra=summary,
            )
