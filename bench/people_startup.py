"""Issue 28: how long a chat replica takes to start (spawned until ``/readyz`` answers
200) with 10 and with 10,000 people stored (one in ten with a picture) on FerretDB: with
the people directory complete (start-up reads the cards) and with it flushed (start-up
rebuilds it: one read of every user and every profile, as every start-up did before).
3 runs each, a stack of its own (bench/stack.py); the first start per size is not counted
(it declares the indexes and builds the directory).

    .venv/bin/python -m bench.people_startup [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from redis import Redis

from bench.people_list import print_result
from bench.stack import Stack, running_stack
from chat_svc.people_directory.directory_index import READY

SIZES = (10, 10_000)
RUNS = 3
DATABASE = "chat_app_chat"  # chat_svc's, under MONGODB_DATABASE's default


def _start_ms(stack: Stack, redis: Redis, flushed: bool) -> float:
    if flushed:
        redis.delete(READY)
    began = time.perf_counter()
    stack.start_chat("chat")  # returns once /readyz answers 200
    elapsed = (time.perf_counter() - began) * 1000
    stack.stop("chat")
    return elapsed


def _summary(timings: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(timings)),
        "runs_ms": [round(t) for t in timings],
    }


def measure(stack: Stack) -> dict[str, Any]:
    database: MongoClient[dict[str, Any]] = MongoClient(stack.mongodb_url, socketTimeoutMS=120_000)
    users, profiles = database[DATABASE]["users"], database[DATABASE]["profiles"]
    redis = Redis.from_url(stack.redis_url)
    result: dict[str, Any] = {}
    stored = 0
    for size in SIZES:
        users.insert_many(
            {"user_id": f"u{n:05}", "email": f"u{n}@example.com", "display_name": f"Person {n:05}"}
            for n in range(stored, size)
        )
        profiles.insert_many(
            {"user_id": f"u{n:05}", "avatar": f"{n:016x}"} for n in range(stored, size, 10)
        )
        stored = size
        _start_ms(stack, redis, flushed=True)  # indexes declared, the directory built
        step = {
            "directory complete": _summary([_start_ms(stack, redis, False) for _ in range(RUNS)]),
            "directory flushed": _summary([_start_ms(stack, redis, True) for _ in range(RUNS)]),
        }
        result[str(size)] = step
        print(size, json.dumps(step), flush=True)
    redis.close()
    database.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        result = measure(stack)
    print_result(result, args.out)


if __name__ == "__main__":
    main()
