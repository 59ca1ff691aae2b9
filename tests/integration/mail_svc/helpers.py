"""Start mail_svc against the test servers and wait for JetStream to settle."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol

from mail_svc.settings import MailSettings
from tests.support.smtp_sink import SmtpSink

STREAM = "AUTH_EVENTS"
DURABLE = "mail_svc"


def mail_settings(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, **overrides: Any
) -> MailSettings:
    """Short retry delays so an outage test takes seconds, not the production hour."""
    values: dict[str, Any] = {
        "smtp_port": smtp_sink.port,
        "smtp_timeout_seconds": 2.0,
        "retry_backoff_seconds": (0.2, 0.4),
    }
    return MailSettings(**(infrastructure_env | values | overrides))


async def wait_until_all_settled(js: JetStreamContext, timeout: float = 20.0) -> None:
    """Wait until the consumer acked or terminated every message in the stream."""
    async with asyncio.timeout(timeout):
        while True:
            last = (await js.stream_info(STREAM)).state.last_seq
            info = await js.consumer_info(STREAM, DURABLE)
            if (
                info.num_pending == 0
                and info.num_ack_pending == 0
                and info.ack_floor is not None
                and info.ack_floor.stream_seq == last
            ):
                return
            await asyncio.sleep(0.05)


async def wait_for_metric(
    client: TestClientProtocol, name: str, at_least: int, timeout: float = 15.0
) -> dict[str, int]:
    async with asyncio.timeout(timeout):
        while True:
            metrics: dict[str, int] = await (await client.get("/metrics")).get_json()
            if metrics[name] >= at_least:
                return metrics
            await asyncio.sleep(0.05)


async def wait_until_ready(client: TestClientProtocol, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while (await client.get("/readyz")).status_code != 200:
            await asyncio.sleep(0.05)
