"""Issue 28: the people list with 10 and with 10,000 people stored, on FerretDB: the reads
behind one page as they were (every person sorted by name, and the viewer's own record
for the account menu, both decoded from the whole collection) and as they are now (a page
of 100 and the viewer's card from chat_svc/people_directory/ in Valkey). The person read
behind a token check (before: by user_id; now: the card) and the API's people list
(before: every person by name; now: every card, as person_lookup.everyone_cards reads
them); the administrators' gate, now by the stored record's _id alone. What a replica's
start-up read (every user and every profile with a picture; now every card, avatars on
them), the add-by-name suggestions and the name itself (now a range of folded names) and
a room's member names (before: ``$in`` over users; now the members' cards). The commands
alone, against servers of their own; 3 runs each, the index rebuilt once per size. The
replica's whole start-up: bench/people_startup.py.

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
from chat_svc.people_directory.name_search import named, starting_with
from devstack.processes import ProcessGroup
from tests.support.servers import start_ferretdb, start_redis

SIZES = (10, 10_000)
RUNS = 3
MEMBERS = 100  # a room's members whose names are read
SUGGESTIONS = 8


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
    people, profiles = client["bench_chat"]["users"], client["bench_chat"]["profiles"]
    redis = Redis.from_url(redis_url)
    directory = PeopleDirectory(redis, lambda: people, lambda: profiles)
    result: dict[str, Any] = {}
    stored = 0
    for size in SIZES:
        await people.insert_many(
            {"user_id": f"u{n:05}", "email": f"u{n}@example.com", "display_name": f"Person {n:05}"}
            for n in range(stored, size)
        )
        await profiles.insert_many(  # one in ten has a picture
            {"user_id": f"u{n:05}", "avatar": f"{n:016x}"} for n in range(stored, size, 10)
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
        step |= await _issue_28_reads(people, profiles, directory, size)
        result[str(size)] = step
        print(size, json.dumps(step), flush=True)
    await redis.aclose()
    await client.close()
    return result


async def _issue_28_reads(
    people: Any, profiles: Any, directory: PeopleDirectory, size: int
) -> dict[str, Any]:
    """Start-up's names, suggestions, add by name and member names, before and now."""
    members = [f"u{n:05}" for n in range(0, size, max(1, size // MEMBERS))]

    async def start_up_before() -> None:
        await people.find({}, {"user_id": 1, "display_name": 1, "deactivated": 1}).to_list()
        await profiles.find({"avatar": {"$gt": ""}}, {"user_id": 1, "avatar": 1}).to_list()

    def everyone(_: object) -> bool:
        return True

    return {
        "before: start-up's names (every user, every picture)": await _timed(start_up_before),
        "now: start-up's names (every card)": await _timed(directory.everyone),
        "now: suggestions for a name prefix ('person 01')": await _timed(
            lambda: starting_with(directory, "person 01", everyone, SUGGESTIONS)
        ),
        "now: suggestions for a later word ('0012')": await _timed(
            lambda: starting_with(directory, "0012", everyone, SUGGESTIONS)
        ),
        "now: add by name ('person 00005')": await _timed(
            lambda: named(directory, ["person 00005"])
        ),
        f"before: {len(members)} members' names ($in over users)": await _timed(
            lambda: people.find(
                {"user_id": {"$in": members}, "deactivated": {"$ne": True}},
                {"user_id": 1, "display_name": 1},
            ).to_list()
        ),
        f"now: {len(members)} members' names (their cards)": await _timed(
            lambda: directory.cards_of(members)
        ),
    }


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
    print_result(result, args.out)


def print_result(result: dict[str, Any], out: Path | None) -> None:
    """The result as JSON, printed and written to ``out`` if given."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
