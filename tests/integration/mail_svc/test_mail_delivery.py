"""Events on JetStream become e-mails at a real SMTP server: once, and never lost."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext

from mail_svc.app import create_app
from service_kit.events import (
    PasswordChanged,
    PasswordResetRequested,
    SignUpRequested,
    UserSignedIn,
)
from service_kit.messaging.jetstream import ensure_streams, load_topology, publish_event
from service_kit.people.sealed_links import seal_event
from tests.integration.mail_svc.helpers import (
    mail_settings,
    wait_for_metric,
    wait_until_all_settled,
    wait_until_ready,
)
from tests.support.smtp_sink import SmtpSink
from tests.unit.mail_svc.sample_events import DEV_SEAL, EXPIRES

LINK = "https://chat.example.test/set-password?token=tok-1"


def sign_up(number: int) -> SignUpRequested:
    return seal_event(
        DEV_SEAL,
        SignUpRequested,
        email=f"person{number}@example.com",
        display_name=f"Person {number}",
        link=f"{LINK}{number}",
        expires_at=EXPIRES,
    )


def message_ids(sink: SmtpSink) -> list[str]:
    return [str(message["Message-ID"]) for message in sink.messages]


def expected_ids(events: list[SignUpRequested]) -> list[str]:
    return [f"<{event.id}@chat.localhost>" for event in events]


async def test_a_published_event_produces_exactly_one_email(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    app = create_app(mail_settings(infrastructure_env, smtp_sink, sender="Chat <hi@chat.test>"))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        event = sign_up(1)
        await publish_event(jetstream, event)
        await smtp_sink.wait_for(1)
        await wait_until_all_settled(jetstream)
        metrics = await (await client.get("/metrics")).get_json()

    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "person1@example.com"
    assert message["From"] == "Chat <hi@chat.test>"
    assert message["Subject"] == "Set your password for Chat"
    assert message["Message-ID"] == f"<{event.id}@chat.test>"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and f"{LINK}1" in text.get_content()
    assert html is not None and f'href="{LINK}1"' in html.get_content()
    assert metrics == {
        "sent": 1,
        "retried": 0,
        "dead_lettered": 0,
        "duplicates_skipped": 0,
        "deferred_in_progress": 0,
        "resent_abandoned": 0,
        "not_needed": 0,
    }


async def test_every_email_type_reaches_the_sink(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    events = [
        sign_up(1),
        UserSignedIn(
            user_id="u", email="a@example.com", display_name="A", user_agent="UA", ip_address="::1"
        ),
        seal_event(
            DEV_SEAL,
            PasswordResetRequested,
            email="a@example.com",
            display_name="A",
            link=f"{LINK}r",
            expires_at=EXPIRES,
        ),
        PasswordChanged(user_id="u", email="a@example.com", display_name="A"),
    ]
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    async with app.test_app():
        for event in events:
            await publish_event(jetstream, event)
        await smtp_sink.wait_for(len(events))
        await wait_until_all_settled(jetstream)
    assert sorted(str(m["Subject"]) for m in smtp_sink.messages) == sorted(
        [
            "Set your password for Chat",
            "New sign-in to your Chat account",
            "Reset your Chat password",
            "Your Chat password was changed",
        ]
    )


async def test_the_first_sign_in_after_sign_up_sends_no_notice(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    first = UserSignedIn(
        user_id="u",
        email="a@example.com",
        display_name="A",
        user_agent="UA",
        ip_address="::1",
        first_sign_in=True,
    )
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, first)
        await publish_event(jetstream, sign_up(1))  # published after: arrives after
        await smtp_sink.wait_for(1)
        await wait_until_all_settled(jetstream)
        metrics = await (await client.get("/metrics")).get_json()
    assert [str(m["Subject"]) for m in smtp_sink.messages] == ["Set your password for Chat"]
    assert metrics["not_needed"] == 1 and metrics["dead_lettered"] == 0


async def test_smtp_unavailable_then_available_delivers_everything_once(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    smtp_sink.stop()
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    events = [sign_up(n) for n in range(3)]
    async with app.test_app() as test_app:
        client = test_app.test_client()
        for event in events:
            await publish_event(jetstream, event)
        await wait_for_metric(client, "retried", at_least=len(events))

        ready = await client.get("/readyz")
        assert ready.status_code == 503
        checks = (await ready.get_json())["checks"]
        assert checks["smtp"].startswith("failing") and checks["consumer"] == "ok"
        assert (await client.get("/healthz")).status_code == 200

        smtp_sink.start()
        await smtp_sink.wait_for(len(events))
        await wait_until_all_settled(jetstream)
        await wait_until_ready(client)
        metrics = await (await client.get("/metrics")).get_json()

    assert sorted(message_ids(smtp_sink)) == sorted(expected_ids(events))
    assert metrics["sent"] == 3 and metrics["dead_lettered"] == 0


async def test_the_same_event_delivered_twice_produces_one_email(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    event = sign_up(1)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await publish_event(jetstream, event)
        await smtp_sink.wait_for(1)
        # The same event again under another message id, as after the stream's
        # duplicate window or a publisher retry: the stream cannot tell, mail_svc must.
        await jetstream.publish(
            event.SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": f"{event.id}-again"}
        )
        metrics = await wait_for_metric(client, "duplicates_skipped", at_least=1)
        await wait_until_all_settled(jetstream)

    assert message_ids(smtp_sink) == expected_ids([event])
    assert metrics["sent"] == 1


async def test_a_malformed_event_is_dead_lettered_and_does_not_block_the_next(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    await ensure_streams(jetstream, load_topology())
    await jetstream.publish(SignUpRequested.SUBJECT, b"{not json", headers={"Nats-Msg-Id": "b-1"})
    wrong_schema = b'{"email": "a@example.com", "display_name": "A"}'
    await jetstream.publish(SignUpRequested.SUBJECT, wrong_schema, headers={"Nats-Msg-Id": "b-2"})
    good = sign_up(1)
    await publish_event(jetstream, good)

    app = create_app(mail_settings(infrastructure_env, smtp_sink))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await smtp_sink.wait_for(1)
        await wait_until_all_settled(jetstream)
        metrics = await (await client.get("/metrics")).get_json()

    assert message_ids(smtp_sink) == expected_ids([good])
    assert metrics["dead_lettered"] == 2
    dead_subject = f"dead_letter.{SignUpRequested.SUBJECT}"
    dead = await jetstream.subscribe(dead_subject, stream="DEAD_LETTERS", ordered_consumer=True)
    first, second = await dead.next_msg(timeout=2), await dead.next_msg(timeout=2)
    assert [first.data, second.data] == [b"{not json", wrong_schema]
    for message in (first, second):
        assert message.headers is not None
        assert message.headers["Dead-Letter-Consumer"] == "mail_svc"
        assert message.headers["Dead-Letter-Reason"].startswith("malformed")
        assert message.headers["Original-Subject"] == SignUpRequested.SUBJECT
    await dead.unsubscribe()


async def test_mail_svc_restarted_mid_stream_loses_no_email(
    infrastructure_env: dict[str, Any], smtp_sink: SmtpSink, jetstream: JetStreamContext
) -> None:
    # One message per fetch, so the stop lands between two e-mails.
    settings = mail_settings(infrastructure_env, smtp_sink, fetch_batch=1)
    before = [sign_up(n) for n in range(10)]
    while_down = [sign_up(n) for n in range(10, 15)]

    async with create_app(settings).test_app():
        for event in before:
            await publish_event(jetstream, event)
        await smtp_sink.wait_for(3)
    sent_by_first = len(smtp_sink.messages)

    for event in while_down:
        await publish_event(jetstream, event)

    async with create_app(settings).test_app() as test_app:
        client = test_app.test_client()
        await smtp_sink.wait_for(len(before) + len(while_down))
        await wait_until_all_settled(jetstream)
        metrics = await (await client.get("/metrics")).get_json()

    assert sorted(message_ids(smtp_sink)) == sorted(expected_ids(before + while_down))
    assert metrics["sent"] == len(before) + len(while_down) - sent_by_first
