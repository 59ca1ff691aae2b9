"""Issue 36: the API's message POST against the form POST, and incoming webhooks offered
1,000 posts/s. Run alone: ``python -m bench.api_posts [runs] [posts] [seconds]``; prints
JSON lines. chat_svc runs on the server core (bench/stack.py); this client on the load core.

1. One person posts ``posts`` messages back to back through the form (what the page sends,
   answered by the post fast path) and then through ``POST /api/v1/rooms/general/messages``
   with a personal token; per run and way, p50 and p99 of the round trip (ms).
2. An administrator makes a bot; an open loop offers ``1000/s`` to its incoming webhook for
   ``seconds``: answers by status. Twice: with the product's rate limit (20 per 10 s per
   sender: a bot posts like a person) and with it lifted (what the server itself carries).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pymongo import MongoClient

from bench.overload import RawPoster, open_loop
from bench.proc import LOAD_CORE
from bench.stack import Stack, running_stack
from service_kit.storage.document_store import service_database_name

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NEW_TOKEN = re.compile(r'id="new-token">([^<]+)<')
HOOK = re.compile(r'class="hook-url" data-room="general">[^<]*?(/hooks/[^<]+)<')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def timed_posts(client: httpx.AsyncClient, count: int, api: bool, csrf: str) -> list[float]:
    times = []
    for index in range(count):
        started = time.perf_counter()
        if api:
            answer = await client.post(
                "/api/v1/rooms/general/messages", json={"body": f"api {index}"}
            )
            assert answer.status_code == 201, answer.text
        else:
            answer = await client.post(
                "/rooms/general/messages", data={"body": f"form {index}", "csrf_token": csrf}
            )
            assert answer.status_code == 303, answer.text
        times.append((time.perf_counter() - started) * 1000)
    return times


async def compare_posts(url: str, runs: int, posts: int) -> dict[str, object]:
    cookies = {"chat_session": "bench-ada"}
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=30) as browser:
        csrf = await csrf_of(browser, "/settings/tokens")
        made = await browser.post("/settings/tokens", data={"name": "bench", "csrf_token": csrf})
        token = NEW_TOKEN.search(made.text)
        assert token, made.text[:500]
        csrf = await csrf_of(browser, "/rooms/general")
        headers = {"Authorization": f"Bearer {token.group(1)}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as script:
            await timed_posts(browser, 20, False, csrf)  # warm both ways up
            await timed_posts(script, 20, True, csrf)
            results: dict[str, list[dict[str, float]]] = {"form": [], "api": []}
            for _ in range(runs):
                for way, client in (("form", browser), ("api", script)):
                    times = await timed_posts(client, posts, way == "api", csrf)
                    results[way].append(
                        {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99)}
                    )
    return {"step": "api_vs_form_post", "posts": posts, **results}


async def make_bot(url: str, mongodb_url: str) -> str:
    cookies = {"chat_session": "bench-admin"}
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=30) as browser:
        await browser.get("/rooms/general")  # chat knows the person from now on
        mongo: MongoClient[dict[str, Any]] = MongoClient(mongodb_url)
        with mongo:
            users = mongo[service_database_name("chat_app", "chat_svc")]["users"]
            users.update_one({"user_id": "user-admin"}, {"$set": {"role": "admin"}})
        csrf = await csrf_of(browser, "/admin/bots")
        made = await browser.post(
            "/admin/bots", data={"name": "Flood", "rooms": "general", "csrf_token": csrf}
        )
        hook = HOOK.search(made.text)
        assert hook, made.text[:500]
        return hook.group(1)


def hook_poster(url: str, path: str) -> RawPoster:
    """bench/overload.py's bare-asyncio poster (httpx is too slow to offer 1,000/s from one
    core), sending what a monitoring system sends to an incoming webhook."""
    poster = RawPoster(url, "", "")
    body = "disk almost full on db-1"
    poster.request = (
        f"POST {path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    return poster


async def offer(url: str, path: str, rate: int, seconds: float) -> dict[str, Any]:
    return {
        "offered": int(rate * seconds),
        **await open_loop(hook_poster(url, path), rate, seconds),
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    posts = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    os.sched_setaffinity(0, {LOAD_CORE})
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        url = stack.start_chat("chat")
        print(json.dumps(asyncio.run(compare_posts(url, runs, posts))), flush=True)
        hook = asyncio.run(make_bot(url, stack.mongodb_url))
        for run in range(runs):
            flood = asyncio.run(offer(url, hook, 1000, seconds))
            print(
                json.dumps({"step": "webhook_flood_limit_lifted", "run": run, **flood}), flush=True
            )
        stack.stop("chat")
        lifted = Stack.chat_environment
        # The product's limit (ChatSettings' default): a bot posts like a person.
        stack.chat_environment = lambda port: {  # type: ignore[method-assign]
            **lifted(stack, port),
            "CHAT_MESSAGE_RATE_COUNT": "20",
        }
        url = stack.start_chat("chat-limited")
        hook = asyncio.run(make_bot(url, stack.mongodb_url))
        flood = asyncio.run(offer(url, hook, 1000, seconds))
        print(json.dumps({"step": "webhook_flood_product_limit", **flood}), flush=True)


if __name__ == "__main__":
    main()
