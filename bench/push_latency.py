"""Web Push (issue 33): latency from the POST to a push service receiving the push, with
1,000 people away in one room, and the pushes per second one sender sustains.

One chat_svc replica (with its sender) on the server core; this process (the poster and
the integration tests' push service, which checks each VAPID JWT and decrypts each push) on
the load core. Every person's level is *everything*, one device each.

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
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.proc import LOAD_CORE, cpu_seconds, pin_self
from bench.publisher import CSRF
from bench.stack import running_stack
from chat_svc.push.sending.vapid_keys import dev_private_key, load_vapid_keys
from chat_svc.settings import ChatSettings
from tests.integration.chat_svc.push_service import PushService, push_service_running

RESULTS = Path(__file__).parent / "results" / "push_latency.json"


async def people_away(mongodb_url: str, count: int, service: PushService) -> None:
    """``count`` members of general, level everything, one device each, written straight
    to the database (a page per person would only measure FerretDB); none opens a stream."""
    database: Any = AsyncMongoClient(mongodb_url)["chat_app_chat"]
    joined = datetime.now(UTC)
    await database.memberships.insert_many(
        [
            {
                "room": "general",
                "user_id": f"user-p{i}",
                "title": "general",
                "kind": "open",
                "last_read_message_id": 0,
                "joined_at": joined,
                "opened_at": None,
                "hidden": False,
                "notification_level": "everything",
            }
            for i in range(count)
        ]
    )
    await database.push_subscriptions.insert_many(
        [device(i, service.device(str(i)).subscription()) for i in range(count)]
    )
    await database.client.close()


def device(i: int, subscription: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": f"bench-{i}",
        "user_id": f"user-p{i}",
        "session_id": f"session-p{i}",
        "endpoint": subscription["endpoint"],
        "p256dh": subscription["keys"]["p256dh"],
        "auth": subscription["keys"]["auth"],
        "user_agent": "bench",
        "created_at": datetime.now(UTC),
        "last_success_at": None,
    }


async def post(http: httpx.AsyncClient, csrf: str, text: str) -> tuple[int, float]:
    started = time.time()
    response = await http.post("/rooms/general/messages", data={"csrf_token": csrf, "body": text})
    if response.status_code != 303:
        raise RuntimeError(f"post answered {response.status_code}")
    return int(response.headers["Location"].rsplit("#message-", 1)[1]), started


def arrivals(service: PushService) -> list[tuple[int, float]]:
    """(message id, when it arrived) of every push the service accepted."""
    return [(p["message_id"], p["at"]) for got in service.received.values() for p in got]


async def wait_for(service: PushService, total: int, limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    # Polling what the push service fills; a late push is counted as missing.
    while len(arrivals(service)) < total and time.monotonic() < deadline:  # noqa: ASYNC110
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
    # The replica derives its key from the dev secret key (no WEB_PUSH_VAPID_PRIVATE_KEY).
    secret = ChatSettings().secret_key
    public_key = load_vapid_keys(dev_private_key(secret), "", secret).public_key
    with running_stack(log_dir) as stack:
        chat = stack.start_chat("chat")
        async with push_service_running(public_key) as service:
            await people_away(stack.mongodb_url, args.people, service)
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
                await wait_for(service, expected, limit_seconds=120)
                cpu = cpu_seconds(stack.pid("chat")) - cpu_before
        refusals = len(service.refusals)
    immediate = [(m, at) for m, at in arrivals(service) if m in posted]
    latencies = [at - posted[m] for m, at in immediate]
    first_post = min(posted.values())
    last = max(at for _, at in immediate) if immediate else first_post
    return {
        "mode": "burst" if burst else "paced",
        "coalesce": coalesce,
        "messages": len(posted),
        "pushes_expected": expected,
        "pushes_received": len(immediate),
        "refused_by_the_push_service": refusals,
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
    # 1 msg/s without coalescing asks for 1,000 pushes a second: past one core's rate.
    parser.add_argument("--with-uncoalesced", action="store_true")
    args = parser.parse_args()
    pin_self(LOAD_CORE)
    runs = []
    for _ in range(args.runs):
        modes = [(True, False), (False, True)]
        if args.with_uncoalesced:
            modes.insert(1, (False, False))
        for coalesce, burst in modes:
            result = await one_run(args, coalesce, burst)
            print(json.dumps(result), file=sys.stderr)
            runs.append(result)
    RESULTS.write_text(json.dumps({"people": args.people, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
