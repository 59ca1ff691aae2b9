"""Web Push end to end (issue 33): chat_svc against real NATS, Valkey and the store, pushing
to a push service on loopback that checks the VAPID JWT and decrypts what it gets
(tests/integration/chat_svc/push_service.py)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.js import JetStreamContext
from quart import Quart
from quart.typing import TestAppProtocol as ChatTestApp

from chat_svc.events import MessagePosted
from chat_svc.push.devices.subscriptions import PushSubscription, subscription_id
from chat_svc.push.push_lifecycle import web_push_of
from chat_svc.push.sending import device_sends
from service_kit.events import PasswordChanged, SessionRevoked
from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.chat_svc.push_service import (
    HOLD,
    Device,
    PushService,
    push_service_running,
)
from tests.integration.chat_svc.test_room_streams import room_stream

PUSH = {"web_push_allow_loopback": True, "push_coalesce_seconds": 2.0}
KEY_META = re.compile(r'<meta name="web-push-public-key" content="([^"]+)">')


async def register(person: Person, device: Device, method: str = "POST") -> int:
    response = await person.client.open(
        "/push-subscriptions",
        method=method,
        json=device.subscription(),
        headers={"X-CSRF-Token": await person.csrf()},
    )
    return response.status_code


async def page_key(person: Person) -> str:
    _, page = await person.get("/rooms/general")
    found = KEY_META.search(page)
    assert found is not None, "no web-push-public-key on the room page"
    return found.group(1)


async def sender_ready(app: Quart) -> None:
    sender = web_push_of(app).sender
    assert sender is not None
    async with asyncio.timeout(20):
        await sender.bound.wait()


async def handled(app: Quart, count: int) -> None:
    sender = web_push_of(app).sender
    assert sender is not None
    async with asyncio.timeout(20):
        while sender.stats.handled < count:
            await asyncio.sleep(0.05)


@asynccontextmanager
async def chat_and_push(
    make_chat_app: AppFactory, **settings: Any
) -> AsyncIterator[tuple[Quart, ChatTestApp, PushService]]:
    app = make_chat_app(**PUSH | settings)
    async with app.test_app() as test_app:
        key = web_push_of(app).keys.public_key
        async with push_service_running(key) as service:
            await sender_ready(app)
            yield app, test_app, service


async def test_pushes_go_to_people_away_whose_level_asks_signed_encrypted_and_coalesced(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with chat_and_push(make_chat_app) as (app, test_app, service):
        ada, bob, carol, dan, erin, fay = (
            sign_in(test_app, fake_auth, name)
            for name in ("Ada", "Bob", "Carol", "Dan", "Erin", "Fay")
        )
        assert await page_key(bob) == service.vapid_public_key
        for person, level in ((bob, "everything"), (carol, "everything"), (dan, "nothing"),
                              (erin, "everything"), (fay, "everything")):  # fmt: skip
            assert (await person.post("/rooms/general/notifications", level=level))[0] == 303
            assert await register(person, service.device(person.session.display_name)) == 201
        assert (await fay.post("/settings/push-text", hide_text="on"))[0] == 303
        service.answers["Bob"] = [503]  # retried
        service.answers["Erin"] = [410]  # gone: deleted
        long_text = "news " * 40
        async with (
            serve(app, lifespan="off") as base,
            room_stream(base, carol.session, "general", ""),
        ):
            await asyncio.sleep(0.5)  # Carol's stream is noted as here
            await ada.say("general", long_text)
            [bob_push] = await service.wait_for("Bob")
            [fay_push] = await service.wait_for("Fay")
            await ada.say("general", "second")
            await ada.say("general", "third")
            pushes = await service.wait_for("Bob", 2)  # once the 2 s window closed
            await asyncio.sleep(2.5)
        erin_left = await PushSubscription.find_one(
            {"_id": subscription_id(service.devices["Erin"].endpoint)}
        )

    assert service.refusals == []
    assert bob_push["title"] == "Ada in general"
    assert bob_push["body"] == long_text[:119] + "…" and len(bob_push["body"]) == 120
    assert bob_push["url"].startswith("/rooms/general#message-")
    assert service.attempts["Bob"] == 2 + 1  # the 503, its retry, the coalesced push
    assert pushes[1]["title"] == "2 new messages in general"
    assert len(service.received["Bob"]) == 2
    assert fay_push["title"] == "New message in general" and fay_push["body"] == ""
    assert "Carol" not in service.attempts  # an open stream: no push
    assert "Dan" not in service.attempts  # level nothing
    assert service.attempts["Erin"] == 1 and erin_left is None


async def test_a_direct_message_to_someone_away_arrives_once_across_restarts_of_the_sender(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    first = make_chat_app(**PUSH)
    async with first.test_app() as test_app:
        key = web_push_of(first).keys.public_key
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        async with push_service_running(key) as service:
            assert await register(bob, service.device("phone")) == 201
            await sender_ready(first)
            sender = web_push_of(first).sender
            assert sender is not None
            sender.stop()  # the sender goes down; the message waits in JetStream
            await asyncio.sleep(1.5)
            dm = await ada.open_dm(bob)
            await ada.say(dm, "are you there?")
            # The same app key derives from the same secret: the device stays valid.
            second = make_chat_app(**PUSH)
            async with second.test_app():
                [push] = await service.wait_for("phone")
            third = make_chat_app(**PUSH)
            async with third.test_app():
                await sender_ready(third)
                # JetStream redelivers what a sender did not acknowledge: the same event.
                posted = MessagePosted(room=dm, message_id=1, author_id=ada.user_id,
                                       author_name="Ada", body="are you there?",
                                       posted_at=datetime.now(UTC))  # fmt: skip
                await jetstream.publish(
                    MessagePosted.subject_for(dm), posted.model_dump_json().encode()
                )
                await handled(third, 1)
            await asyncio.sleep(0.5)

    assert push["title"] == "Ada" and push["body"] == "are you there?"
    assert push["url"] == f"/rooms/{dm}#message-1"
    assert len(service.received["phone"]) == 1


async def crash_and_restart_the_coalescing_sweep(app: Quart) -> None:
    """The sweep dies where it stands (nothing of ours runs after its await) and starts anew,
    as after a replica's crash and restart."""
    push = web_push_of(app)
    assert push.coalesced is not None
    [crashed] = [task for task in push.tasks if task.get_name() == "coalesced pushes"]
    crashed.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await crashed
    restarted = asyncio.create_task(push.coalesced.run(), name="coalesced pushes")
    push.tasks = tuple(restarted if task is crashed else task for task in push.tasks)


async def test_a_coalesced_push_survives_a_crash_of_its_sender_mid_push_and_arrives_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dead sender's claim on a device is taken over after 30 s; 1 s here.
    monkeypatch.setattr(device_sends, "STALE_CLAIM_SECONDS", 1.0)
    async with chat_and_push(make_chat_app) as (app, test_app, service):
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        assert (await bob.post("/rooms/general/notifications", level="everything"))[0] == 303
        assert await register(bob, service.device("Bob")) == 201
        await ada.say("general", "first")
        await service.wait_for("Bob")
        service.answers["Bob"] = [HOLD]  # the coalesced push stays in flight
        await ada.say("general", "second")
        await ada.say("general", "third")
        async with asyncio.timeout(15):
            while service.attempts.get("Bob", 0) < 2:
                await asyncio.sleep(0.02)
        await crash_and_restart_the_coalescing_sweep(app)
        pushes = await service.wait_for("Bob", 2)
        await asyncio.sleep(3)  # another window and lease: nothing more comes

    assert pushes[1]["title"] == "2 new messages in general"
    assert len(service.received["Bob"]) == 2
    assert service.attempts["Bob"] == 3  # the first, the one lost in the crash, its retake


async def test_subscriptions_are_checked_and_end_with_the_session_or_a_password_change(
    make_chat_app: AppFactory, fake_auth: FakeAuth, jetstream: JetStreamContext
) -> None:
    async with chat_and_push(make_chat_app, web_push_allow_loopback=False) as (
        app,
        test_app,
        service,
    ):
        bob = sign_in(test_app, fake_auth, "Bob")
        refused = []
        for endpoint in ("http://127.0.0.1:9/push", "https://10.0.0.1/push", "https://[::1]/push",
                         "https://169.254.169.254/push", "https://localhost/push"):  # fmt: skip
            device = service.device("x")
            device.endpoint = endpoint
            refused.append(await register(bob, device))
        loopback = await register(bob, service.device("loopback"))
        forged = await bob.client.post(
            "/push-subscriptions", json=service.device("y").subscription()
        )
        malformed = await bob.client.post(
            "/push-subscriptions", json={"endpoint": 3}, headers={"X-CSRF-Token": await bob.csrf()}
        )
    async with chat_and_push(make_chat_app) as (app, test_app, service):
        bob = sign_in(test_app, fake_auth, "Bob")
        phone, laptop, tablet = (service.device(n) for n in ("phone", "laptop", "tablet"))
        for device in (phone, laptop, tablet):
            assert await register(bob, device) == 201
        removed = await register(bob, tablet, method="DELETE")
        accounts = web_push_of(app).accounts
        assert accounts is not None
        await jetstream.publish(
            SessionRevoked.SUBJECT,
            SessionRevoked(user_id=bob.user_id, session_id="another-session")
            .model_dump_json()
            .encode(),
        )
        await jetstream.publish(
            SessionRevoked.SUBJECT,
            SessionRevoked(user_id=bob.user_id, session_id=bob.session.session_id)
            .model_dump_json()
            .encode(),
        )
        async with asyncio.timeout(20):
            while await PushSubscription.find({"user_id": bob.user_id}).count():
                await asyncio.sleep(0.05)
        assert await register(bob, phone) == 201
        await jetstream.publish(
            PasswordChanged.SUBJECT,
            PasswordChanged(user_id=bob.user_id, email=bob.session.email, display_name="Bob")
            .model_dump_json()
            .encode(),
        )
        async with asyncio.timeout(20):
            while await PushSubscription.find({"user_id": bob.user_id}).count():
                await asyncio.sleep(0.05)

    assert refused == [422] * 5  # production's filter: no loopback, private or link-local
    assert loopback == 422
    assert forged.status_code == 403
    assert malformed.status_code == 422
    assert removed == 204
