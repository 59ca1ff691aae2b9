"""An operator replays what mail_svc dead-lettered, once the cause is fixed."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext

from mail_svc.app import create_app
from mail_svc.replay_dead_letters import list_dead_letters, replay_dead_letters
from service_kit.events import PasswordChanged
from service_kit.messaging.jetstream import ensure_streams, load_topology, publish_event
from tests.integration.mail_svc.helpers import (
    mail_settings,
    wait_for_metric,
    wait_until_all_settled,
)
from tests.support.smtp_sink import SmtpSink


async def test_dead_lettered_emails_are_delivered_once_after_replay(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    smtp_sink.stop()
    # One attempt only, so the SMTP outage dead-letters the e-mail at once.
    settings = mail_settings(infrastructure_env, smtp_sink, max_attempts=1)
    event = PasswordChanged(user_id="u-1", email="ada@example.com", display_name="Ada")
    async with create_app(settings).test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, event)
        await wait_for_metric(client, "dead_lettered", at_least=1)
        await wait_until_all_settled(jetstream)

        letters = await list_dead_letters(jetstream)
        assert [(x.original_subject, x.data) for x in letters] == [
            (event.SUBJECT, event.to_bytes())
        ]
        assert "gave up after 1 attempts" in letters[0].reason

        smtp_sink.start()
        assert await replay_dead_letters(jetstream) == 1
        assert await replay_dead_letters(jetstream) == 0  # removed once replayed
        await smtp_sink.wait_for(1)
        await wait_until_all_settled(jetstream)

    assert [m["Message-ID"] for m in smtp_sink.messages] == [f"<{event.id}@chat.localhost>"]
    assert await list_dead_letters(jetstream) == []


async def test_a_dead_letter_whose_headers_name_another_subject_is_never_replayed(
    jetstream: JetStreamContext,
) -> None:
    # NATS lets chat file dead letters only under dead_letter.auth.user.created; a header
    # naming another original subject must not turn a replay into a forged auth event.
    await ensure_streams(jetstream, load_topology())
    await jetstream.publish(
        "dead_letter.auth.user.created",
        b"{}",
        headers={
            "Dead-Letter-Consumer": "mail_svc",
            "Original-Subject": "auth.password_reset.requested",
        },
    )
    assert await list_dead_letters(jetstream) == []
    assert await replay_dead_letters(jetstream) == 0
