"""A redelivered event meets the record of an earlier attempt: "sent" or "sending since T".

The earlier attempt is played by the test writing the record, as a worker that died (or is
still busy) would have left it; the e-mails go to a real SMTP server.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from nats.js import JetStreamContext
from redis.asyncio import Redis

from mail_svc.app import create_app
from mail_svc.lib.mail_delivery import CLAIM_MARGIN_SECONDS
from service_kit.messaging.jetstream import publish_event
from service_kit.messaging.processed_events import ClaimState, ProcessedEvents
from tests.integration.mail_svc.helpers import (
    DURABLE,
    mail_settings,
    wait_for_metric,
    wait_until_all_settled,
)
from tests.integration.mail_svc.test_mail_delivery import sign_up
from tests.support.smtp_sink import SmtpSink

if TYPE_CHECKING:  # imported at run time, pytest would try to collect it as a test class
    from quart.typing import TestClientProtocol

SMTP_TIMEOUT = 1.0  # a "sending" record is abandoned after this plus the margin
STALE_AFTER = SMTP_TIMEOUT + CLAIM_MARGIN_SECONDS


async def metrics_of(client: TestClientProtocol) -> dict[str, int]:
    metrics: dict[str, int] = await (await client.get("/metrics")).get_json()
    return metrics


async def test_an_event_whose_email_was_sent_is_acked_without_sending_again(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    jetstream: JetStreamContext,
    redis_client: Redis,
) -> None:
    event = sign_up(1)
    await ProcessedEvents(redis_client, DURABLE).mark_processed(event.id)
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, event)
        await wait_until_all_settled(jetstream)
        metrics = await metrics_of(client)
    assert smtp_sink.messages == []
    assert metrics["duplicates_skipped"] == 1 and metrics["sent"] == 0


async def test_an_event_another_worker_is_sending_waits_and_is_not_sent_when_that_one_finishes(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    jetstream: JetStreamContext,
    redis_client: Redis,
) -> None:
    event = sign_up(2)
    other_worker = ProcessedEvents(redis_client, DURABLE)
    assert (await other_worker.claim(event.id, STALE_AFTER)).state is ClaimState.NEW
    app = create_app(
        mail_settings(infrastructure_env, smtp_sink, smtp_timeout_seconds=SMTP_TIMEOUT)
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, event)
        await wait_for_metric(client, "deferred_in_progress", at_least=1)
        assert smtp_sink.messages == []
        await other_worker.mark_processed(event.id)  # its SMTP server accepted the e-mail
        await wait_until_all_settled(jetstream)
        metrics = await metrics_of(client)
    assert smtp_sink.messages == []
    assert metrics["duplicates_skipped"] == 1 and metrics["sent"] == 0
    assert metrics["dead_lettered"] == 0


async def test_an_event_whose_sending_was_abandoned_is_sent_again_with_the_same_message_id(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    jetstream: JetStreamContext,
    redis_client: Redis,
) -> None:
    event = sign_up(3)
    dead_worker = ProcessedEvents(redis_client, DURABLE)
    await dead_worker.claim(event.id, STALE_AFTER)  # and then it died: no "sent" ever
    app = create_app(
        mail_settings(infrastructure_env, smtp_sink, smtp_timeout_seconds=SMTP_TIMEOUT)
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, event)
        # First seen while the claim is young: deferred, not sent, until it is abandoned.
        await wait_for_metric(client, "deferred_in_progress", at_least=1)
        assert smtp_sink.messages == []
        await smtp_sink.wait_for(1, timeout=STALE_AFTER + 10)
        await wait_until_all_settled(jetstream)
        metrics = await metrics_of(client)
        await asyncio.sleep(0.2)  # nothing more arrives
    (message,) = smtp_sink.messages
    assert message["Message-ID"] == f"<{event.id}@chat.localhost>"
    assert metrics["resent_abandoned"] == 1 and metrics["sent"] == 1
    assert await dead_worker.already_processed(event.id)


async def test_a_claim_is_timed_and_released_by_whoever_holds_it(redis_client: Redis) -> None:
    event = sign_up(4)
    records = ProcessedEvents(redis_client, DURABLE)
    mine = await records.claim(event.id, STALE_AFTER)
    assert mine.state is ClaimState.NEW and mine.token
    theirs = await records.claim(event.id, STALE_AFTER)
    assert theirs.state is ClaimState.IN_PROGRESS and 0 <= theirs.age_seconds < STALE_AFTER
    await records.release(event.id, theirs)  # not theirs to release: nothing happens
    assert (await records.claim(event.id, STALE_AFTER)).state is ClaimState.IN_PROGRESS
    await records.release(event.id, mine)
    assert (await records.claim(event.id, STALE_AFTER)).state is ClaimState.NEW
    await records.mark_processed(event.id)
    assert (await records.claim(event.id, STALE_AFTER)).state is ClaimState.DONE
