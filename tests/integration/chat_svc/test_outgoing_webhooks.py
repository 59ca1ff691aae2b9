"""Outgoing webhooks against a small real HTTP receiver: a mention reaches the bot signed,
its answer is posted as the bot; a failing endpoint is retried with backoff, then
dead-lettered and shown to administrators, while later deliveries go on, in order."""

from __future__ import annotations

import asyncio
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

from chat_svc.webhooks.webhook_failures import WebhookFailure
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import person_handle
from tests.integration.chat_svc.test_bots import admin_form, make_admin
from tests.integration.chat_svc.test_streams import post, signed_in_client
from tests.support.in_process import uvicorn_serving

SIGNING_SECRET = re.compile(r'id="signing-secret">([^<]+)<')


@dataclass
class Receiver:
    """Answers /good with a reply, /bad with 500; keeps what it received."""

    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

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
        good = scope["path"] == "/good"
        answer = json.dumps({"text": f"pong {json.loads(body)['message']['body']}"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200 if good else 500,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": answer if good else b"down"})

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
        await make_admin(base, ada)
        secrets = {}
        async with signed_in_client(base, ada) as admin:
            for name, path in (("Pingbot", "/good"), ("Brokenbot", "/bad")):
                made = await admin_form(admin, "/admin/bots", name=name, rooms="general")
                assert made.status_code == 200, made.text
                page = await admin.get("/admin/bots")
                action = re.findall(r'action="(/admin/bots/[^"/]+/webhook)"', page.text)
                saved = await admin_form(
                    admin, action[-1 if name == "Pingbot" else 0], webhook_url=target + path
                )
                found = SIGNING_SECRET.search(saved.text)
                assert saved.status_code == 200 and found, saved.text
                secrets[path] = found.group(1)
        async with signed_in_client(base, bob) as browser:
            await post(browser, "@Pingbot ping")
            await until(lambda: page_has(browser, "pong @Pingbot ping"))
            await post(browser, "@Brokenbot one")
            await post(browser, "@Pingbot two")
            await post(browser, "@Pingbot three")
        path, headers, body = next(r for r in receiver.received if r[0] == "/good")
        timestamp = int(headers["x-chat-timestamp"])
        assert abs(time.time() - timestamp) < 300
        expected = hmac.new(
            secrets["/good"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(headers["x-chat-signature"], f"sha256={expected}")
        assert json.loads(body)["type"] == "mention"

        async def given_up() -> bool:
            return await WebhookFailure.find_all().count() > 0

        await until(given_up)
        assert receiver.bodies("/bad").count("@Brokenbot one") >= 2  # retried before giving up
        assert receiver.bodies("/good") == ["@Pingbot ping", "@Pingbot two", "@Pingbot three"]
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


async def page_has(browser: httpx.AsyncClient, text: str) -> bool:
    return text in (await browser.get("/rooms/general")).text


async def direct_page_has(browser: httpx.AsyncClient, path: str, text: str) -> bool:
    return text in (await browser.get(path)).text
