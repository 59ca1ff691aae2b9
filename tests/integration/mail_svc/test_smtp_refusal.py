"""A recipient the SMTP server refuses for good is dead-lettered, not retried for an hour."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from nats.js import JetStreamContext

from devstack.processes import free_port
from mail_svc.app import create_app
from mail_svc.settings import MailSettings
from service_kit.events import PasswordChanged
from service_kit.messaging.jetstream import publish_event
from tests.integration.mail_svc.helpers import wait_until_all_settled


class RefuseOneRecipient:
    """Accepts mail for everyone except ``refused@example.com`` (550, permanent)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == "refused@example.com":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[RefuseOneRecipient, int]]:
    handler, port = RefuseOneRecipient(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_a_permanently_refused_recipient_is_dead_lettered(
    infrastructure_env: dict[str, Any],
    refusing_smtp: tuple[RefuseOneRecipient, int],
    jetstream: JetStreamContext,
) -> None:
    handler, port = refusing_smtp
    refused = PasswordChanged(user_id="u-1", email="refused@example.com", display_name="R")
    accepted = PasswordChanged(user_id="u-2", email="ok@example.com", display_name="O")
    settings = MailSettings(**infrastructure_env, smtp_port=port)  # production backoff
    async with create_app(settings).test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, refused)
        await publish_event(jetstream, accepted)
        await wait_until_all_settled(jetstream)
        metrics = await (await client.get("/metrics")).get_json()

    assert handler.accepted == ["ok@example.com"]
    assert metrics == {
        "sent": 1,
        "retried": 0,
        "dead_lettered": 1,
        "duplicates_skipped": 0,
        "deferred_in_progress": 0,
        "resent_abandoned": 0,
        "not_needed": 0,
    }
    dead = await jetstream.get_last_msg("DEAD_LETTERS", f"dead_letter.{PasswordChanged.SUBJECT}")
    assert dead.data == refused.to_bytes()
    assert dead.headers is not None and "refused" in dead.headers["Dead-Letter-Reason"]
