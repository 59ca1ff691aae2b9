"""Outgoing webhooks against a small real HTTP receiver: a mention reaches the bot signed,
its answer is posted as the bot; a failing endpoint is retried with backoff, then
dead-lettered and shown to administrators, while later deliveries go on, in order; a slow
endpoint does not hold up another bot's deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from chat_svc.bots.bot_records import BotProfile
from chat_svc.webhooks.webhook_failures import WebhookFailure
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.people import person_handle
from tests.integration.chat_svc.test_bots import admin_form, make_admin
from tests.integration.chat_svc.test_streams import post, signed_in_client
from tests.support.in_process import uvicorn_serving

SIGNING_SECRET = re.compile(r'id="signing-secret">([^<]+)<')


SLOW_SECONDS = 4.0  # how long /slow holds its answer unless another delivery comes first


@dataclass
class Receiver:
    """Answers /good with a reply, /bad with 500, /slow with a reply held until another
    path is called (or SLOW_SECONDS pass); keeps what it received, and the order in which
    calls began and ended."""

    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)  # ("start" | "end", path)
    client_ports: list[int] = field(default_factory=list)  # each call's connection, by port
    other_call: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            part = await receive()
            body += part.get("body", b"")
            if not part.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((scope["path"], headers, body))
        self.client_ports.append(scope["client"][1])
        self.events.append(("start", scope["path"]))
        if scope["path"] == "/slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.other_call.wait(), SLOW_SECONDS)
        else:
            self.other_call.set()
        good = scope["path"] in ("/good", "/slow")
        answer = json.dumps({"text": f"pong {json.loads(body)['message']['body']}"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200 if good else 500,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": answer if good else b"down"})
        self.events.append(("end", scope["path"]))

    def bodies(self, path: str) -> list[str]:
        return [json.loads(b)["message"]["body"] for p, _, b in self.received if p == path]


@asynccontextmanager
async def receiving() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with uvicorn_serving(receiver, lifespan="off") as (port, _):
        yield receiver, f"http://127.0.0.1:{port}"


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(20):  # a safety net, not a timed assertion
        while not await check():
            await asyncio.sleep(0.1)


async def test_a_mentioned_bot_gets_a_signed_post_and_its_reply_is_posted_failures_dead_letter(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    app = make_chat_app(
        webhook_allow_loopback=True, webhook_retry_seconds=3, webhook_backoff_cap_seconds=0.3
    )
    async with receiving() as (receiver, target), serve(app) as base:
        secrets = await webhook_bots(
            base, ada, {"Pingbot": target + "/good", "Brokenbot": target + "/bad"}
        )
        async with signed_in_client(base, bob) as browser:
            await post(browser, "@Pingbot ping")
            await until(lambda: page_has(browser, "pong @Pingbot ping"))
            await post(browser, "@Brokenbot one")
            await post(browser, "@Pingbot two")
            await post(browser, "@Pingbot three")
        _, headers, body = next(r for r in receiver.received if r[0] == "/good")
        timestamp = int(headers["x-chat-timestamp"])
        assert abs(time.time() - timestamp) < 300
        expected = hmac.new(
            secrets["Pingbot"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(headers["x-chat-signature"], f"sha256={expected}")
        assert json.loads(body)["type"] == "mention"

        async def given_up() -> bool:
            return await WebhookFailure.find_all().count() > 0

        await until(given_up)
        assert receiver.bodies("/bad").count("@Brokenbot one") >= 2  # retried before giving up
        assert receiver.bodies("/good") == ["@Pingbot ping", "@Pingbot two", "@Pingbot three"]
        # One client for every delivery: its connections are kept alive and reused.
        assert len(set(receiver.client_ports)) < len(receiver.client_ports), receiver.client_ports
        async with signed_in_client(base, ada) as admin:
            page = await admin.get("/admin/bots")
            assert "Brokenbot, message" in page.text and "HTTP 500" in page.text

        # A direct message to the bot, no mention: delivered as "direct", answered there.
        async with signed_in_client(base, bob) as browser:
            people = await browser.get("/people")
            opened = await browser.post(
                "/dm",
                data={
                    "person": person_handle(people.text, "Pingbot"),
                    "csrf_token": csrf_token_in(people.text),
                },
            )
            assert opened.status_code == 303, opened.text
            direct = opened.headers["location"]
            page = await browser.get(direct)
            said = await browser.post(
                f"{direct}/messages",
                data={"body": "status?", "csrf_token": csrf_token_in(page.text)},
            )
            assert said.status_code == 303
            await until(lambda: direct_page_has(browser, direct, "pong status?"))
        assert json.loads(receiver.received[-1][2])["type"] == "direct"


async def test_a_slow_endpoint_does_not_hold_up_another_bots_delivery(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    app = make_chat_app(webhook_allow_loopback=True)
    async with receiving() as (receiver, target), serve(app) as base:
        await webhook_bots(base, ada, {"Slowbot": target + "/slow", "Quickbot": target + "/good"})

        async def slow_call_open() -> bool:
            return ("start", "/slow") in receiver.events

        async with signed_in_client(base, bob) as browser:
            await post(browser, "@Slowbot take your time")
            await until(slow_call_open)
            await post(browser, "@Quickbot quick")
            await until(lambda: page_has(browser, "pong @Slowbot take your time"))
            await until(lambda: page_has(browser, "pong @Quickbot quick"))
    # The quick bot was called while the slow bot's call was still open.
    assert receiver.events[:2] == [("start", "/slow"), ("start", "/good")]


async def webhook_bots(base: str, admin: FakeSession, urls: dict[str, str]) -> dict[str, str]:
    """Bots in #general with these webhook URLs, made by ``admin``; their signing secrets."""
    await make_admin(base, admin)
    secrets = {}
    async with signed_in_client(base, admin) as browser:
        for name, url in urls.items():
            made = await admin_form(browser, "/admin/bots", name=name, rooms="general")
            assert made.status_code == 200, made.text
            bot = await BotProfile.find_one(BotProfile.name == name)
            assert bot is not None
            saved = await admin_form(browser, f"/admin/bots/{bot.user_id}/webhook", webhook_url=url)
            found = SIGNING_SECRET.search(saved.text)
            assert saved.status_code == 200 and found, saved.text
            secrets[name] = found.group(1)
    return secrets


async def page_has(browser: httpx.AsyncClient, text: str) -> bool:
    return text in (await browser.get("/rooms/general")).text


async def direct_page_has(browser: httpx.AsyncClient, path: str, text: str) -> bool:
    return text in (await browser.get(path)).text
