"""/readyz covers the consumer and SMTP; /healthz stays up through outages."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext

from mail_svc.app import create_app
from service_kit.events import SignUpRequested
from service_kit.messaging.jetstream import publish_event
from service_kit.people.sealed_links import seal_event
from tests.integration.mail_svc.helpers import (
    mail_settings,
    wait_until_all_settled,
    wait_until_ready,
)
from tests.support.servers import NatsServer
from tests.support.smtp_sink import SmtpSink
from tests.unit.mail_svc.sample_events import DEV_SEAL, EXPIRES


async def test_ready_when_consumer_is_bound_and_smtp_answers(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink
) -> None:
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as test_app:
        client = test_app.test_client()
        await wait_until_ready(client)
        body = await (await client.get("/readyz")).get_json()
    assert body["checks"] == {"nats": "ok", "redis": "ok", "consumer": "ok", "smtp": "ok"}


async def test_not_ready_while_smtp_is_down_but_still_alive(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink
) -> None:
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as test_app:
        client = test_app.test_client()
        await wait_until_ready(client)
        smtp_sink.stop()
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert (await response.get_json())["checks"]["smtp"].startswith("failing")
        assert (await client.get("/healthz")).status_code == 200
        smtp_sink.start()
        await wait_until_ready(client)


async def test_the_consumer_rebinds_after_a_nats_restart(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    jetstream: JetStreamContext,
    nats_server: NatsServer,
) -> None:
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as test_app:
        client = test_app.test_client()
        await wait_until_ready(client)
        nats_server.stop()
        nats_server.start()
        await wait_until_ready(client, timeout=30)
        event = seal_event(
            DEV_SEAL,
            SignUpRequested,
            email="a@example.com",
            display_name="A",
            link="https://x.test/l",
            expires_at=EXPIRES,
        )
        await publish_event(jetstream, event, ack_timeout=5)
        await smtp_sink.wait_for(1)
        await wait_until_all_settled(jetstream)
    assert [m["Message-ID"] for m in smtp_sink.messages] == [f"<{event.id}@chat.localhost>"]
