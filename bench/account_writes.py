"""Issue 28: auth's account writes on FerretDB with 10,000 accounts and 100,000 sessions,
each as it was (a filter FerretDB decodes every document for, or a lone ``_id`` that
SQLite still scans) and as it is now (an insert). The database commands alone, straight
to a FerretDB of its own: what the request's own write costs, without the request.

    .venv/bin/python -m bench.account_writes [--accounts N --sessions N --runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from devstack.processes import ProcessGroup
from service_kit.events import utc_now
from tests.support.servers import start_ferretdb

BATCH = 2000
Step = Callable[[AsyncDatabase[dict[str, Any]], int], Awaitable[object]]


async def _seed(database: AsyncDatabase[dict[str, Any]], accounts: int, sessions: int) -> None:
    now = utc_now()
    for first in range(0, accounts, BATCH):
        await database["users"].insert_many(
            {"_id": f"u{n}", "email": f"u{n}@example.com", "password_changed_at": now}
            for n in range(first, min(first + BATCH, accounts))
        )
    for first in range(0, sessions, BATCH):
        await database["sessions"].insert_many(
            {
                "_id": f"s{n}",
                "user_id": f"u{n % accounts}",
                "token_hashes": [f"t{n}"],
                "created_at": now,
                "expires_at": now + timedelta(days=14),
                "revoked_at": None,
            }
            for n in range(first, min(first + BATCH, sessions))
        )
        await database["session_activity"].insert_many(
            {"_id": f"s{n}", "last_seen_at": now}
            for n in range(first, min(first + BATCH, sessions))
        )


def _steps(accounts: int, sessions: int) -> dict[str, Step]:
    """name: one write, given a run number (a different person or session each run)."""

    def session(run: int) -> str:
        return f"s{sessions - 1 - run}"  # the latest: SQLite's scan finds it last

    def user(run: int) -> str:
        return f"u{accounts - 1 - run}"

    return {
        "revoke all, old (update_many by user)": lambda db, run: db["sessions"].update_many(
            {"user_id": user(run), "revoked_at": None}, {"$set": {"revoked_at": utc_now()}}
        ),
        "revoke all, new (insert a mark)": lambda db, run: db["session_revocations"].insert_one(
            {"_id": f"all:{user(run)}:{run}", "user_id": user(run), "revoked_at": utc_now()}
        ),
        "sign out, old (update_many by user and id)": lambda db, run: db["sessions"].update_many(
            {"user_id": user(run), "revoked_at": None, "_id": {"$in": [session(run)]}},
            {"$set": {"revoked_at": utc_now()}},
        ),
        "hand-off code, old (update_one by _id)": lambda db, run: db["sessions"].update_one(
            {"_id": session(run)}, {"$set": {"handoff_code_hash": f"c{run}"}}
        ),
        "hand-off code, new (insert)": lambda db, run: db["handoff_codes"].insert_one(
            {"_id": f"c{run}", "session_id": session(run), "expires_at": utc_now()}
        ),
        "last use, old (upsert by _id)": lambda db, run: db["session_activity"].update_one(
            {"_id": session(run)}, {"$set": {"last_seen_at": utc_now()}}, upsert=True
        ),
        "password change, old (_id and $lt)": lambda db, run: db["users"].update_one(
            {"_id": user(run), "password_changed_at": {"$lt": utc_now()}},
            {"$set": {"password_changed_at": utc_now()}},
        ),
        "password change, new (_id alone)": lambda db, run: db["users"].update_one(
            {"_id": user(run)}, {"$set": {"password_changed_at": utc_now()}}
        ),
    }


async def measure(url: str, accounts: int, sessions: int, runs: int) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, socketTimeoutMS=120_000)
    database = client["bench_auth"]
    started = time.perf_counter()
    await _seed(database, accounts, sessions)
    await database["session_revocations"].insert_one({"_id": "warm", "user_id": "-"})
    await database["handoff_codes"].insert_one({"_id": "warm", "session_id": "-"})
    result: dict[str, Any] = {"seed_s": round(time.perf_counter() - started, 1)}
    for name, step in _steps(accounts, sessions).items():
        timings = []
        for run in range(runs):
            began = time.perf_counter()
            await step(database, run)
            timings.append((time.perf_counter() - began) * 1000)
        result[name] = {
            "median_ms": round(statistics.median(timings), 1),
            "runs_ms": [round(t, 1) for t in timings],
        }
        print(name, result[name], flush=True)
    await client.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        group = ProcessGroup(log_dir=Path(data))
        server = start_ferretdb(group, Path(data))
        try:
            result = asyncio.run(measure(server.url, args.accounts, args.sessions, args.runs))
        finally:
            group.stop_all()
    text = json.dumps({"accounts": args.accounts, "sessions": args.sessions} | result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
