"""Web Push (issue 33): latency from the POST to a push service receiving the push, with
1,000 people away in one room, and the pushes per second one sender sustains.

One chat_svc replica (with its sender) on the server core; this process (the poster and a
push service on loopback that decrypts every push, as the integration tests' does) on the
load core. Every person's level is *everything*, one device each.

- ``paced``: 1 msg/s for ``--seconds``; with the product's 30 s coalescing each person gets
  the first message at once (1,000 pushes) and the rest as one coalesced push, so the
  latency of the pushes sent at once is measured; ``--no-coalesce`` pushes every message
  (1,000 pushes a second).
- ``burst``: ``--burst`` messages at once, coalescing off: pushes per second until the last
  arrives, and the replica's CPU seconds over that time.

``python -m bench.push_latency [--people 1000] [--seconds 20] [--burst 10] [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pymongo import AsyncMongoClient

from bench.proc import LOAD_CORE, cpu_seconds, pin_self
from bench.publisher import CSRF
from bench.stack import running_stack
from tests.support.in_process import uvicorn_serving

RESULTS = Path(__file__).parent / "results" / "push_latency.json"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Receiver:
    """A push service: decrypts each push and notes when it came (one key for every device)."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.arrivals: list[tuple[int, float]] = []  # (message id, time)

    def keys(self) -> dict[str, str]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(point), "auth": b64url(self.auth)}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        at = time.time()
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth)
        self.arrivals.append((int(json.loads(plain)["message_id"]), at))
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def people_away(
    chat: str, mongodb_url: str, count: int, receiver: Receiver, origin: str
) -> None:
    """``count`` members of general (their first page joins them), level everything, one
    device each; none of them opens a stream."""
    async with httpx.AsyncClient(base_url=chat, timeout=60) as http:
        semaphore = asyncio.Semaphore(20)

        async def visit(i: int) -> None:
            async with semaphore:
                response = await http.get("/rooms/general", cookies={"chat_session": f"bench-p{i}"})
                response.raise_for_status()

        await asyncio.gather(*(visit(i) for i in range(count)))
    database: Any = AsyncMongoClient(mongodb_url)["chat_app_chat"]
    people = [f"user-p{i}" for i in range(count)]
    await database.memberships.update_many(
        {"room": "general", "user_id": {"$in": people}},
        {"$set": {"notification_level": "everything"}},
    )
    keys = receiver.keys()
    await database.push_subscriptions.insert_many(
        [device(i, f"{origin}/push/{i}", keys) for i in range(count)]
    )
    await database.client.close()


def device(i: int, endpoint: str, keys: dict[str, str]) -> dict[str, Any]:
    return {
        "_id": f"bench-{i}",
        "user_id": f"user-p{i}",
        "session_id": f"session-p{i}",
        "endpoint": endpoint,
        "p256dh": keys["p256dh"],
        "auth": keys["auth"],
        "user_agent": "bench",
        "created_at": None,
        "last_success_at": None,
    }


async def post(http: httpx.AsyncClient, csrf: str, text: str) -> tuple[int, float]:
    started = time.time()
    response = await http.post("/rooms/general/messages", data={"csrf_token": csrf, "body": text})
    if response.status_code != 303:
        raise RuntimeError(f"post answered {response.status_code}")
    return int(response.headers["Location"].rsplit("#message-", 1)[1]), started


async def wait_for(receiver: Receiver, total: int, limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    # Polling the list the push service fills; a late push is counted as missing.
    while len(receiver.arrivals) < total and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def one_run(args: argparse.Namespace, coalesce: bool, burst: bool) -> dict[str, Any]:
    log_dir = Path("test-artifacts") / "bench-push"
    os.environ.update(
        {
            "WEB_PUSH_ALLOW_LOOPBACK": "1",
            "CHAT_PUSH_COALESCE_SECONDS": "30" if coalesce else "0",
            "CHAT_MESSAGE_RATE_COUNT": "1000000000",
        }
    )
    receiver = Receiver()
    with running_stack(log_dir) as stack:
        chat = stack.start_chat("chat")
        async with uvicorn_serving(receiver, lifespan="off") as (port, _):
            origin = f"http://127.0.0.1:{port}"
            await people_away(chat, stack.mongodb_url, args.people, receiver, origin)
            async with httpx.AsyncClient(
                base_url=chat, cookies={"chat_session": "bench-poster"}, timeout=60
            ) as http:
                page = await http.get("/rooms/general")
                match = CSRF.search(page.text)
                assert match is not None
                csrf = match.group(1)
                posted: dict[int, float] = {}
                cpu_before = cpu_seconds(stack.pid("chat"))
                count = args.burst if burst else args.seconds
                if burst:
                    results = await asyncio.gather(
                        *(post(http, csrf, f"burst {i}") for i in range(count))
                    )
                    posted.update(results)
                else:
                    start = time.monotonic()
                    for i in range(count):
                        await asyncio.sleep(max(0.0, start + i - time.monotonic()))
                        message_id, at = await post(http, csrf, f"paced {i} " + "x" * 100)
                        posted[message_id] = at
                expected = args.people * (count if (burst or not coalesce) else 1)
                await wait_for(receiver, expected, limit_seconds=120)
                cpu = cpu_seconds(stack.pid("chat")) - cpu_before
    immediate = [(m, at) for m, at in receiver.arrivals if m in posted]
    latencies = [at - posted[m] for m, at in immediate]
    first_post = min(posted.values())
    last = max(at for _, at in immediate) if immediate else first_post
    return {
        "mode": "burst" if burst else "paced",
        "coalesce": coalesce,
        "messages": len(posted),
        "pushes_expected": expected,
        "pushes_received": len(immediate),
        "p50_ms": percentile(latencies, 0.5) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "pushes_per_s": round(len(immediate) / (last - first_post), 1) if immediate else 0,
        "server_cpu_s": round(cpu, 2),
        "pushes_per_cpu_s": round(len(immediate) / cpu, 1) if cpu else None,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pin_self(LOAD_CORE)
    runs = []
    for _ in range(args.runs):
        for coalesce, burst in ((True, False), (False, False), (False, True)):
            result = await one_run(args, coalesce, burst)
            print(json.dumps(result), file=sys.stderr)
            runs.append(result)
    RESULTS.write_text(json.dumps({"people": args.people, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
