"""A service checks the streams it uses at start-up and refuses a stream someone
reconfigured to copy events out (republish) or in (sources, subject transforms); the set-up
step brings such a stream back to its declared config."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from quart.testing.app import LifespanError

from mail_svc.app import create_app
from service_kit.messaging.jetstream import load_topology
from service_kit.messaging.stream_guard import StreamMissingError, verify_streams
from service_kit.messaging.stream_setup import StreamSetupSettings, declare_streams_and_durables
from tests.integration.mail_svc.helpers import mail_settings, wait_until_ready
from tests.support.smtp_sink import SmtpSink

TAMPERING = {
    "republish": {"republish": {"src": "auth.>", "dest": "_INBOX_chat.leak.>"}},
    "sources": {
        "sources": [
            {
                "name": "CHAT_EVENTS",
                "subject_transforms": [{"src": "chat.forge.>", "dest": "auth.>"}],
            }
        ]
    },
    "subject transform": {"subject_transform": {"src": "auth.>", "dest": "auth.moved.>"}},
}


async def tamper(admin: NATS, stream: str, change: dict[str, Any]) -> None:
    """What the red team did with a service's credentials, done here as the admin."""
    info = json.loads((await admin.request(f"$JS.API.STREAM.INFO.{stream}", b"", timeout=5)).data)
    config = info["config"] | change
    reply = await admin.request(f"$JS.API.STREAM.UPDATE.{stream}", json.dumps(config).encode())
    assert "error" not in json.loads(reply.data), reply.data


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
async def test_a_service_refuses_to_start_on_a_tampered_stream(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    nats_client: NATS,
    change: dict[str, Any],
) -> None:
    await tamper(nats_client, "AUTH_EVENTS", change)
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    # Under uvicorn a failed lifespan start-up ends the process.
    with pytest.raises(LifespanError, match="stream AUTH_EVENTS is not configured as declared"):
        async with app.test_app():
            pass
    # The set-up step puts the declared config back, and the service starts.
    await declare_streams_and_durables(StreamSetupSettings(nats_url=infrastructure_env["nats_url"]))
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as test_app:
        await wait_until_ready(test_app.test_client())


async def test_a_service_waits_for_missing_streams_then_gives_up(nats_client: NATS) -> None:
    js = nats_client.jetstream()
    await js.delete_stream("DEAD_LETTERS")
    with pytest.raises(StreamMissingError, match="DEAD_LETTERS"):
        await verify_streams(js, load_topology(), patience=0)
