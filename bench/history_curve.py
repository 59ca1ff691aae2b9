"""Issue 28's curve: the history reads of one room as it grows from 10^3 to 10^6 messages,
next to 200 other rooms, through HTTP against a real chat_svc on the embedded database
(FerretDB on SQLite) with the default ``CHAT_HISTORY_INDEX=valkey``.

The room is filled in bulk straight into the database and its index (the same
``add_absent`` a rebuild uses), never through HTTP. At each size: the room page, "load
older" at random depths, the view around a random message, another room's page (whose
sidebar counts the big room's unread messages and mentions from a read position half way
back) and the page that marks the big room read (its read position is pushed back before
each sample). p50/p95 per read, from ``--samples`` requests each.

    python -m bench.history_curve                      # 10^3 .. 10^6
    python -m bench.history_curve --sizes 1000 10000   # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from bench.stack import running_stack
from bench.stats import percentile
from chat_svc.actions.message_ids import sequence_key
from chat_svc.models.messages import MessageRecord
from chat_svc.reads.latest_cache import UNBOUNDED, LatestCache, ready_key
from chat_svc.reads.person_rooms import person_key
from service_kit.storage.document_store import service_database_name

BIG = "big"
OTHER_ROOMS = 200
OTHER_ROOM_MESSAGES = 20
VIEWER = "user-page"  # bench/fake_auth.py: the token bench-page
FILL_BATCH = 10_000
REBUILD_POLLS = 6_000  # a read every 0.5 s or more: at most 50 minutes
RESULTS = Path(__file__).parent / "results" / "history_curve.json"


def _message(room: str, message_id: int, start: datetime) -> MessageRecord:
    mentions = (VIEWER,) if message_id % 50 == 0 else ()
    return MessageRecord(
        room=room,
        message_id=message_id,
        author_id="user-history",
        author_name="History",
        body=f"stored message {message_id} of ordinary length for the history bench",
        posted_at=start + timedelta(milliseconds=message_id),
        mentions=mentions,
    )


class Filler:
    """Writes messages, rooms and memberships as chat_svc would have stored them."""

    def __init__(self, mongodb_url: str, redis_url: str) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, tz_aware=True)
        self.database = self.client[service_database_name("chat_app", "chat_svc")]
        self.redis = Redis.from_url(redis_url)
        self.cache = LatestCache(self.redis, UNBOUNDED)
        self.start = datetime.now(UTC) - timedelta(days=30)

    async def rooms(self) -> None:
        now = datetime.now(UTC)
        slugs = [BIG] + [f"room-{n:03d}" for n in range(OTHER_ROOMS)]
        await self.database["rooms"].insert_many(
            [
                {"slug": s, "name": s, "name_key": s, "kind": "open", "created_by": VIEWER}
                | {"created_at": now}
                for s in slugs
            ]
        )
        await self.database["memberships"].insert_many(
            [
                {"room": s, "user_id": VIEWER, "title": s, "kind": "open"}
                | {"last_read_message_id": 0, "joined_at": now, "opened_at": None}
                for s in slugs
            ]
        )
        for slug in slugs[1:]:
            await self.messages(slug, 1, OTHER_ROOM_MESSAGES)

    async def messages(self, room: str, first: int, last: int) -> None:
        for low in range(first, last + 1, FILL_BATCH):
            batch = [
                _message(room, i, self.start)
                for i in range(low, min(last, low + FILL_BATCH - 1) + 1)
            ]
            documents = [m.model_dump() | {"mentions": list(m.mentions)} for m in batch]
            await self.database["messages"].insert_many(documents, ordered=False)
            await self.cache.add_absent(room, batch)
        await self.cache.mark_ready(room)
        await self.redis.set(sequence_key(room), last)

    async def read_up_to(self, room: str, message_id: int) -> None:
        """The viewer's read position, where the pages read it (reads/person_rooms.py)."""
        await self.redis.hset(person_key(VIEWER), f"r:{room}", str(message_id))

    async def close(self) -> None:
        await self.redis.aclose()
        await self.client.close()


def _summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values_ms, 0.50), 2),
        "p95_ms": round(percentile(values_ms, 0.95), 2),
        "max_ms": round(max(values_ms), 2),
    }


async def _timed(http: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    response = await http.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


async def measure_size(
    http: httpx.AsyncClient, filler: Filler, size: int, samples: int
) -> dict[str, Any]:
    random_ids = [random.randint(20, size) for _ in range(samples)]  # noqa: S311 - a bench
    page, older, around, sidebar, mark_read = [], [], [], [], []
    for n in range(samples):
        page.append(await _timed(http, f"/rooms/{BIG}"))
        older.append(await _timed(http, f"/rooms/{BIG}/messages?before={random_ids[n]}"))
        around.append(await _timed(http, f"/rooms/{BIG}?around={random_ids[n]}"))
        await filler.read_up_to(BIG, size // 2)
        sidebar.append(await _timed(http, f"/rooms/room-{n % OTHER_ROOMS:03d}"))
        mark_read.append(await _timed(http, f"/rooms/{BIG}"))  # opens it: marks it read
    return {
        "messages_in_room": size,
        "room_page": _summary(page),
        "older_at_random_depth": _summary(older),
        "around_random_message": _summary(around),
        "other_room_with_sidebar_counts": _summary(sidebar),
        "page_that_marks_read": _summary(mark_read),
    }


async def measure_rebuild(http: httpx.AsyncClient, filler: Filler, size: int) -> dict[str, Any]:
    """Valkey flushed: the first read starts the background rebuild; how long until the
    index is whole again while "load older" is asked every 0.5 s, and what those reads
    answered (the store, one read at a time per replica, else 503 at once)."""
    await filler.redis.flushall()
    started = time.monotonic()
    statuses: dict[str, int] = {}
    read_ms = []
    for _ in range(REBUILD_POLLS):
        if await filler.redis.exists(ready_key(BIG)):
            break
        before = time.perf_counter()
        try:
            response = await http.get(f"/rooms/{BIG}/messages?before={size // 2}")
            status = str(response.status_code)
        except httpx.HTTPError as error:
            status = type(error).__name__
        read_ms.append((time.perf_counter() - before) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        await asyncio.sleep(0.5)
    return {
        "rebuild_after_flush": {
            "messages_in_room": size,
            "seconds_until_whole": round(time.monotonic() - started, 1),
            "reads_meanwhile_by_status": statuses,
            "reads_meanwhile": _summary(read_ms),
        }
    }


async def run(
    sizes: list[int], samples: int, logs: Path, rebuild: bool = False
) -> list[dict[str, Any]]:
    results = []
    with running_stack(logs) as stack:
        filler = Filler(stack.mongodb_url, stack.redis_url)
        await filler.rooms()
        url = stack.start_chat("chat")
        cookies = {"chat_session": "bench-page"}
        async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=60) as http:
            await _timed(http, "/rooms/general")  # the viewer's first visit
            filled = 0
            for size in sorted(sizes):
                started = time.monotonic()
                await filler.messages(BIG, filled + 1, size)
                fill_seconds = round(time.monotonic() - started, 1)
                filled = size
                for _ in range(5):  # warm-up
                    await _timed(http, f"/rooms/{BIG}")
                result = await measure_size(http, filler, size, samples) | {
                    "fill_seconds": fill_seconds
                }
                print(json.dumps(result), flush=True)
                results.append(result)
            if rebuild:
                results.append(await measure_rebuild(http, filler, filled))
                print(json.dumps(results[-1]), flush=True)
        await filler.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**3, 10**4, 10**5, 10**6])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true", help="then flush Valkey: the rebuild")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--logs", type=Path, default=RESULTS.parent / "raw" / "history_curve_logs")
    args = parser.parse_args()
    results = asyncio.run(run(args.sizes, args.samples, args.logs, args.rebuild))
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
