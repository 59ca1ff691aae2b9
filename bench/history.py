"""POST latency with an empty database and after many stored messages, on the real database.

mongomock checked the unique index by scanning every message, so posting slowed down as
history grew. On FerretDB (and MongoDB) the insert checks the unique index in O(log n):
this measures that the POST stays flat, what the database costs per message, and what a
query that cannot use an index costs (``?before=``: FerretDB's SQLite backend reads the
whole collection for a sorted query, service_kit/storage/store_compat.py).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from bench.proc import CpuMeter
from bench.publisher import ChatPoster, publish_open_loop
from bench.stack import Stack
from bench.stats import latency_summary, median_and_spread
from chat_svc.actions.message_ids import sequence_key
from service_kit.storage.document_store import service_database_name

RATE = 20.0
BATCH = 2000


async def _posting(stack: Stack, url: str, count: int, first_seq: int) -> dict[str, Any]:
    poster = ChatPoster(url)
    await poster.prepare()
    database_meter = CpuMeter(stack.pids_of("ferretdb"))
    chat_meter = CpuMeter([stack.pid("chat")])
    database_meter.start()
    chat_meter.start()
    started = time.monotonic()
    try:
        result = await publish_open_loop(poster, RATE, count, first_seq)
    finally:
        await poster.close()
    elapsed = time.monotonic() - started
    database_cpu, chat_cpu = database_meter.stop(), chat_meter.stop()
    return latency_summary(result.post_ms) | {
        "failed": result.failed,
        "database_cpu_pct": database_cpu,
        "database_cpu_ms_per_message": round(database_cpu / 100 * elapsed * 1000 / count, 3),
        "chat_cpu_ms_per_message": round(chat_cpu / 100 * elapsed * 1000 / count, 3),
    }


async def _store_history(stack: Stack, count: int) -> float:
    """Insert ``count`` old messages straight into chat's database; returns seconds taken."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
    messages = client[service_database_name("chat_app", "chat_svc")]["messages"]
    redis = Redis.from_url(stack.redis_url)
    started = time.monotonic()
    try:
        key = sequence_key("general")
        first = int(await redis.get(key) or 0) + 1
        now = time.time()
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            await messages.insert_many(
                [
                    {
                        "room": "general",
                        "message_id": first + offset + i,
                        "author_id": "history",
                        "author_name": "History",
                        "body": f"stored message {offset + i} of ordinary length for the bench",
                        "posted_at": _utc(now - (count - offset - i)),
                    }
                    for i in range(size)
                ],
                ordered=False,
            )
        await redis.set(key, first + count - 1)  # the next post follows them
    finally:
        await redis.aclose()
        await client.close()
    return round(time.monotonic() - started, 1)


def _utc(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


async def _older_page_ms(url: str, before: int, samples: int) -> dict[str, Any]:
    timings = []
    async with httpx.AsyncClient(
        base_url=url, cookies={"chat_session": "bench-page"}, timeout=120
    ) as http:
        for _ in range(samples):
            started = time.perf_counter()
            (await http.get(f"/messages?before={before}")).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return latency_summary(timings)


async def measure(stack: Stack, history: int, posts: int, repeats: int) -> dict[str, Any]:
    url = stack.start_chat("chat")
    empty = [await _posting(stack, url, posts, 10_000_000 + n * posts) for n in range(repeats)]
    seeding_seconds = await _store_history(stack, history)
    full = [await _posting(stack, url, posts, 20_000_000 + n * posts) for n in range(repeats)]
    older = await _older_page_ms(url, before=history // 2, samples=max(1, repeats))
    stack.stop("chat")
    return {
        "rate_per_s": RATE,
        "posts_per_run": posts,
        "stored_messages": history,
        "seeding_seconds": seeding_seconds,
        "post_empty": median_and_spread(empty),
        "post_after_history": median_and_spread(full),
        "older_page_after_history": older,
    }
