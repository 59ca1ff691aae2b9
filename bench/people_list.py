"""Issue 28: the people list with 10 and with 10,000 people stored, on FerretDB: the reads
behind one page as they were (every person sorted by name, and the viewer's own record
for the account menu, both decoded from the whole collection) and as they are now (a page
of 100 and the viewer's card from chat_svc/people_directory/ in Valkey). The person read
behind a token check (before: by user_id; now: the card) and the API's people list
(before: every person by name; now: every card, as person_lookup.everyone_cards reads
them); the administrators' gate, now by the stored record's _id alone. The commands
alone, against servers of their own; 3 runs each, the index rebuilt once per size.

    .venv/bin/python -m bench.people_list [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from chat_svc.people_directory.directory_index import READY, PeopleDirectory
from devstack.processes import ProcessGroup
from tests.support.servers import start_ferretdb, start_redis

SIZES = (10, 10_000)
RUNS = 3


async def _timed(step: Callable[[], Awaitable[object]]) -> dict[str, Any]:
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        await step()
        timings.append((time.perf_counter() - began) * 1000)
    return {
        "median_ms": round(statistics.median(timings), 2),
        "runs_ms": [round(t, 2) for t in timings],
    }


async def measure(mongodb_url: str, redis_url: str) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_url, socketTimeoutMS=120_000
    )
    people = client["bench_chat"]["users"]
    redis = Redis.from_url(redis_url)
    directory = PeopleDirectory(redis, lambda: people, lambda: client["bench_chat"]["profiles"])
    result: dict[str, Any] = {}
    stored = 0
    for size in SIZES:
        await people.insert_many(
            {"user_id": f"u{n:05}", "email": f"u{n}@example.com", "display_name": f"Person {n:05}"}
            for n in range(stored, size)
        )
        stored = size
        viewer = f"u{size - 1:05}"  # the latest: SQLite's scan finds it last
        await redis.delete(READY)
        began = time.perf_counter()
        await directory.page("", 100)  # rebuilds
        step: dict[str, Any] = {"rebuild_ms": round((time.perf_counter() - began) * 1000, 1)}
        step["before: every person by name"] = await _timed(
            lambda: people.find().sort("display_name", 1).to_list()
        )
        step["before: the viewer by user_id"] = await _timed(
            lambda: people.find_one({"user_id": viewer})  # noqa: B023
        )
        stored_viewer = await people.find_one({"user_id": viewer})
        assert stored_viewer is not None
        step["now: the viewer by _id (the admin gate)"] = await _timed(
            lambda: people.find_one({"_id": stored_viewer["_id"]})  # noqa: B023
        )
        step["now: a page of 100"] = await _timed(lambda: directory.page("", 100))
        step["now: the viewer's card"] = await _timed(lambda: directory.card(viewer))  # noqa: B023
        step["now: everyone's cards (the API's list)"] = await _timed(lambda: directory.everyone())
        result[str(size)] = step
        print(size, json.dumps(step), flush=True)
    await redis.aclose()
    await client.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        group = ProcessGroup(log_dir=Path(data))
        try:
            ferretdb, valkey = start_ferretdb(group, Path(data)), start_redis(group, Path(data))
            result = asyncio.run(measure(ferretdb.url, valkey.url))
        finally:
            group.stop_all()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
