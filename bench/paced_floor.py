"""The floor under a POST at 20 msg/s: the round trips a post makes (a Redis command, a
database insert, a JetStream publish and its ack), each timed alone, one every 50 ms as the
POSTs come, and back to back, from a process on the server core as chat is.

On this virtual machine a core left idle for 50 ms wakes slowly, and so does everything that
runs on it: the same round trip costs several times more when paced than back to back. The
POST target is measured paced, so this is the least its dependencies cost there.

``python -m bench.paced_floor NATS_URL REDIS_URL MONGODB_URL SAMPLES`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from bench.stats import latency_summary
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import dev_admin_options

PACE_SECONDS = 0.05  # one post every 50 ms: 20 msg/s
STREAM = "BENCH_FLOOR"
BODY = "a message of ordinary length from the bench, " * 5


async def timed(operation: Callable[[int], Awaitable[object]], samples: int, pace: float) -> Any:
    timings = []
    for n in range(samples):
        start = time.perf_counter()
        await operation(n)
        timings.append((time.perf_counter() - start) * 1000)
        if pace:
            await asyncio.sleep(pace)
    return latency_summary(timings)


async def measure(nats_url: str, redis_url: str, mongodb_url: str, samples: int) -> dict[str, Any]:
    redis = Redis.from_url(redis_url)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
    collection = mongo["bench_floor"]["messages"]
    nats = await connect_nats(nats_url, "bench-floor", **dev_admin_options())
    js = nats.jetstream()
    await js.add_stream(name=STREAM, subjects=["bench.floor.js"])
    operations: dict[str, Callable[[int], Awaitable[object]]] = {
        "redis_set": lambda n: redis.set("bench:floor", BODY),
        "database_insert": lambda n: collection.insert_one({"n": n, "body": BODY}),
        "jetstream_publish_ack": lambda n: js.publish("bench.floor.js", BODY.encode()),
    }
    results: dict[str, Any] = {}
    try:
        for name, operation in operations.items():
            await timed(operation, 10, 0)  # connections open and warm
            results[f"{name}_every_50_ms"] = await timed(operation, samples, PACE_SECONDS)
            results[f"{name}_back_to_back"] = await timed(operation, samples, 0)
    finally:
        await js.delete_stream(STREAM)
        await nats.close()
        await redis.aclose()
        await mongo["bench_floor"].drop_collection("messages")
        await mongo.close()
    return results


def main() -> int:
    nats_url, redis_url, mongodb_url, samples = sys.argv[1:5]
    found = asyncio.run(measure(nats_url, redis_url, mongodb_url, int(samples)))
    sys.stdout.write(json.dumps(found) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
