"""chat_svc refuses to start when its users durable reads more than ``auth.user.created``:
with ``auth.>`` it would get every auth event (e-mails, addresses, user agents)."""

from __future__ import annotations

import pytest
from nats.aio.client import Client as NATS
from quart.testing.app import LifespanError

from service_kit.messaging.jetstream import load_topology
from tests.integration.chat_svc.conftest import AppFactory


async def test_chat_refuses_to_start_when_its_users_durable_reads_every_auth_event(
    make_chat_app: AppFactory, nats_client: NATS
) -> None:
    stream, declared = load_topology().consumers["chat_svc_users"]
    await nats_client.jetstream().add_consumer(
        stream, declared.evolve(filter_subjects=None, filter_subject="auth.>")
    )
    with pytest.raises(LifespanError, match=r"chat_svc_users .*\(filter subjects are \['auth.>'\]"):
        async with make_chat_app().test_app():
            pass
