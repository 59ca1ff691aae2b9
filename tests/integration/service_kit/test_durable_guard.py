"""A service checks its durable consumers at start-up and refuses one someone reshaped (a
broader filter reads another's events); the set-up step puts a reshaped filter back, and says
why it cannot when NATS keeps the changed field for the durable's life."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from quart.testing.app import LifespanError

from mail_svc.app import create_app
from service_kit.messaging.durable_guard import (
    DurableConfigError,
    DurableMissingError,
    verify_durables,
)
from service_kit.messaging.jetstream import load_topology
from service_kit.messaging.stream_setup import StreamSetupSettings, declare_streams_and_durables
from tests.integration.mail_svc.helpers import mail_settings, wait_until_ready
from tests.support.smtp_sink import SmtpSink

TOPOLOGY = load_topology()


async def reshape(admin: NATS, durable: str, **changes: Any) -> None:
    """What a service could do to its own durable before issue 29, done here as the admin."""
    stream, declared = TOPOLOGY.consumers[durable]
    await admin.jetstream().add_consumer(stream, declared.evolve(**changes))


def declare_again(infrastructure_env: dict[str, Any]) -> Any:
    return declare_streams_and_durables(
        StreamSetupSettings(nats_url=infrastructure_env["nats_url"])
    )


@pytest.mark.parametrize(
    ("durable", "broader"), [("mail_svc", "auth.>"), ("mail_svc_mentions", "chat.>")]
)
async def test_a_service_refuses_to_start_on_a_durable_with_another_filter(
    infrastructure_env: dict[str, Any],
    smtp_sink: SmtpSink,
    nats_client: NATS,
    durable: str,
    broader: str,
) -> None:
    await reshape(nats_client, durable, filter_subjects=None, filter_subject=broader)
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    with pytest.raises(
        LifespanError, match=rf"durable consumer {durable} .*\(filter subjects are \['{broader}'\]"
    ):
        async with app.test_app():
            pass
    # The set-up step puts the declared filters back, and the service starts.
    await declare_again(infrastructure_env)
    stream, declared = TOPOLOGY.consumers[durable]
    found = await nats_client.jetstream().consumer_info(stream, durable)
    assert found.config.filter_subjects == declared.filter_subjects
    async with create_app(mail_settings(infrastructure_env, smtp_sink)).test_app() as test_app:
        await wait_until_ready(test_app.test_client())


async def test_the_set_up_step_says_why_it_cannot_put_back_an_ack_policy(
    infrastructure_env: dict[str, Any], nats_client: NATS
) -> None:
    """NATS keeps a consumer's ack, deliver and replay policy for its life: re-created with
    another, a durable cannot be brought back in place, and neither it nor a service goes on."""
    js = nats_client.jetstream()
    await js.delete_consumer("AUTH_EVENTS", "mail_svc")
    await reshape(nats_client, "mail_svc", ack_policy="none")
    with pytest.raises(DurableConfigError, match=r"ack policy can not be updated.*consumer rm"):
        await declare_again(infrastructure_env)
    with pytest.raises(DurableConfigError, match="ack_policy is"):
        await verify_durables(js, TOPOLOGY, ["mail_svc"], patience=0)
    # What the message says to do: delete it, then declare again.
    await js.delete_consumer("AUTH_EVENTS", "mail_svc")
    await declare_again(infrastructure_env)
    await verify_durables(js, TOPOLOGY, ["mail_svc"], patience=0)


async def test_a_missing_durable_is_waited_for_then_refused(
    infrastructure_env: dict[str, Any], nats_client: NATS
) -> None:
    js = nats_client.jetstream()
    await js.delete_consumer("AUTH_EVENTS", "chat_svc_users")
    with pytest.raises(DurableMissingError, match=r"chat_svc_users .* run the set-up step"):
        await verify_durables(js, TOPOLOGY, ["chat_svc_users"], patience=0)
    waiting = asyncio.create_task(verify_durables(js, TOPOLOGY, ["chat_svc_users"], patience=20))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await declare_again(infrastructure_env)
    await asyncio.wait_for(waiting, 10)
