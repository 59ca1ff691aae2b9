"""Issue 28, follow-up: the two reads that still scanned on the dev database, before and
after, with ``--people`` (1,000) people in ``--rooms-each`` (10) of ``--rooms`` (200)
rooms stored (10,000 memberships, FerretDB on SQLite):

- ``member_ids``: a cold room's member ids (reads/room_members.py): ``before`` the store's
  read by room (a scan of every membership), ``after`` the room's set in Valkey
  (member_index/), ``rebuild`` every room's set from one read after the index was lost;
- ``due_people``: the people of a mention-digest round (``--due``, 50): ``before`` the
  users ``$in`` read, ``after`` the directory's cards (people_directory/person_lookup.py).

``python -m bench.member_reads [--runs 3]``; medians (min-max) in
bench/results/member_reads.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.push_recipients import (
    MEASURED_ROOMS,
    memberships_arguments,
    repeated,
    room_name,
    run_bench,
    stored_memberships,
    write_results,
)
from chat_svc.member_index.member_sets import READY, MemberSets
from chat_svc.models.memberships import select_member_ids
from chat_svc.models.users import select_users_in
from chat_svc.people_directory.person_lookup import find_people

RESULTS = Path(__file__).parent / "results" / "member_reads.json"


async def median_ms(read: Callable[[int], Awaitable[object]], times: int) -> float:
    took = []
    for i in range(times):
        started = time.perf_counter()
        await read(i)
        took.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(took), 3)


async def one_run(args: argparse.Namespace, redis: Redis, sets: MemberSets) -> dict[str, Any]:
    rooms = min(args.rooms, MEASURED_ROOMS)
    due = [f"user-{p}" for p in range(0, args.people, max(1, args.people // args.due))]
    for room in range(rooms):  # the same answer both ways
        assert sorted(await sets.member_ids(room_name(room))) == sorted(
            await select_member_ids(room_name(room))
        )
    assert set(await find_people(due)) == set(await select_users_in(due))

    async def lose_index(_: int) -> object:
        await redis.delete(READY)
        return await sets.member_ids(room_name(0))

    return {
        "member_ids_before_ms": await median_ms(lambda i: select_member_ids(room_name(i)), rooms),
        "member_ids_after_ms": await median_ms(lambda i: sets.member_ids(room_name(i)), rooms),
        "member_ids_rebuild_ms": await median_ms(lose_index, 1),
        "due_people_before_ms": await median_ms(lambda _: select_users_in(due), 5),
        "due_people_after_ms": await median_ms(lambda _: find_people(due), 5),
    }


async def measure(args: argparse.Namespace) -> None:
    async with stored_memberships(args) as (_, redis, _):
        sets = MemberSets(redis)
        runs = await repeated(args.runs, lambda: one_run(args, redis, sets))
    write_results(args, runs)


def main() -> int:
    parser = memberships_arguments(RESULTS)
    parser.add_argument("--due", type=int, default=50)
    return run_bench(parser, measure)


if __name__ == "__main__":
    sys.exit(main())
