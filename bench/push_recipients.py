"""Issue 28, follow-up: the push sender's recipients step for one posted message, with the
memberships of many rooms stored on the dev database (FerretDB on SQLite scans every
membership query: ~60 µs per stored document).

``--people`` people (default 1,000) in ``--rooms-each`` (10) of ``--rooms`` (200) rooms:
10,000 memberships, 50 members a room, half of them at level *everything*. Each step posts
(as events handed to the step, no HTTP) messages round the rooms; per message it takes the
wall time and the CPU time of FerretDB, Valkey and this process (the sender's side):

- ``before``: the store query the sender ran for every message until this change (a scan of
  every membership), then the same presence filter;
- ``warm``: chat_svc/push/sending/recipients.py with every person's copy in Valkey and the
  replica's member list of the room kept (no database read);
- ``cold_copies``: the same after Valkey lost the copies of the room's members (one read
  rebuilds them: the case of people away for over an hour);
- ``cold_member_list``: the replica's member list of the room dropped (a join or leave, a
  new replica), the copies warm: its ids from the room's set in Valkey (member_index/), the
  names from the directory's cards (people_directory/), as the dev stack reads them;
- ``cold_every_message``: the room's set of members at *everything* lost (one read
  rebuilds it: chat_svc/push/levels/every_message_members.py).

``--everything-every N``: every Nth person chose *everything* in their rooms (default 2).

``python -m bench.push_recipients [--runs 3] [--messages 20] [--results PATH]`` (the warm
step posts ten times as many); raw runs and medians (min-max) in
bench/results/push_recipients.json. One room of 1,000 (the push_latency bench's room):
``--people 1000 --rooms 1 --rooms-each 1``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from bench.proc import LOAD_CORE, cpu_seconds, pin_self
from bench.stack import Stack, running_stack
from bench.stats import median_and_spread
from chat_svc.events import MessagePosted
from chat_svc.member_index.member_sets import MemberSets
from chat_svc.models.memberships import Membership
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.directory_index import PeopleDirectory
from chat_svc.people_directory.installation import _installed
from chat_svc.profiles.profile_records import Profile
from chat_svc.push.levels.every_message_members import EveryMessageMembers, every_message_key
from chat_svc.push.levels.levels import effective_level, level_asks_for, parse_level
from chat_svc.push.sending.member_places import MemberPlaces
from chat_svc.push.sending.recipients import (
    Recipient,
    RecipientSources,
    away_only,
    select_recipients,
)
from chat_svc.reads.person_rooms import PersonRooms, person_key
from chat_svc.reads.room_members import RoomMembers

RESULTS = Path(__file__).parent / "results" / "push_recipients.json"
AWAY_SECONDS = 60.0
MEASURED_ROOMS = 20  # messages go round these (each member list is read once: a scan)

Step = Callable[[MessagePosted], Awaitable[object]]
Prepare = Callable[[str], Awaitable[None]]


def room_name(index: int) -> str:
    return f"room-{index}"


def rooms_of(person: int, rooms: int, rooms_each: int) -> list[str]:
    stride = rooms // rooms_each
    return [room_name((person + k * stride) % rooms) for k in range(rooms_each)]


async def store_people(args: argparse.Namespace) -> dict[str, list[str]]:
    """The people and their memberships, written straight to the database; returns each
    room's members."""
    joined = datetime.now(UTC)
    members: dict[str, list[str]] = {}
    rows = []
    for person in range(args.people):
        user_id = f"user-{person}"
        level = "everything" if person % args.everything_every == 1 else None
        for room in rooms_of(person, args.rooms, args.rooms_each):
            members.setdefault(room, []).append(user_id)
            rows.append({"room": room, "user_id": user_id, "title": room, "kind": "open",
                         "last_read_message_id": 0, "joined_at": joined, "opened_at": None,
                         "hidden": False,
                         "notification_level": level})  # fmt: skip
    users = [
        {"user_id": f"user-{p}", "email": f"p{p}@example.test", "display_name": f"Person {p}"}
        for p in range(args.people)
    ]
    await ChatUser.get_pymongo_collection().insert_many(users)
    for start in range(0, len(rows), 1000):
        await Membership.get_pymongo_collection().insert_many(rows[start : start + 1000])
    return members


async def install_directory(redis: Redis) -> None:
    """The people directory, as the app installs it at start-up, built once."""
    people, profiles = ChatUser.get_pymongo_collection, Profile.get_pymongo_collection
    directory = PeopleDirectory(redis, people, profiles)
    _installed[:] = [directory]
    await directory.ensure_ready()


async def before(event: MessagePosted, redis: Redis) -> list[Recipient]:
    """The recipients query the sender ran per message until issue 28's follow-up."""
    rows = Membership.get_pymongo_collection().find(
        {"room": event.room, "last_read_message_id": {"$lt": event.message_id}},
        {"user_id": 1, "title": 1, "kind": 1, "notification_level": 1, "_id": 0},
    )
    wanted = [
        Recipient(row["user_id"], row["title"], row["kind"] == "direct")
        async for row in rows
        if row["user_id"] != event.author_id
        and level_asks_for(
            effective_level(row["kind"], parse_level(row.get("notification_level"))),
            mentioned=False,
        )
    ]
    return await away_only(wanted, redis, AWAY_SECONDS)


async def timed(
    step: Step, prepare: Prepare, messages: int, rooms: int, database: int, valkey: int
) -> dict[str, Any]:
    wall, cpu, own, cache = [], [], [], []
    for i in range(messages):
        room = room_name(i % min(rooms, MEASURED_ROOMS))
        await prepare(room)
        event = MessagePosted(
            room=room,
            message_id=1_000_000 + i,
            author_id="user-0",
            author_name="Person 0",
            body="hello",
            posted_at=datetime.now(UTC),
        )
        database_before, started = cpu_seconds(database), time.perf_counter()
        own_before, valkey_before = time.process_time(), cpu_seconds(valkey)
        await step(event)
        wall.append((time.perf_counter() - started) * 1000)
        own.append((time.process_time() - own_before) * 1000)
        cpu.append((cpu_seconds(database) - database_before) * 1000)
        cache.append((cpu_seconds(valkey) - valkey_before) * 1000)
    return {
        "wall_ms_per_message": round(statistics.median(wall), 3),
        "database_cpu_ms_per_message": round(statistics.mean(cpu), 3),
        "sender_cpu_ms_per_message": round(statistics.mean(own), 3),
        "valkey_cpu_ms_per_message": round(statistics.mean(cache), 3),
        "messages": messages,
    }


async def one_run(
    args: argparse.Namespace,
    redis: Redis,
    members: RoomMembers,
    members_of: dict[str, list[str]],
    servers: tuple[int, int],
) -> dict[str, Any]:
    people = PersonRooms(redis)
    places = MemberPlaces(people)
    everyone = [f"user-{p}" for p in range(args.people)]
    for start in range(0, len(everyone), 200):  # every copy warm (200 people per read)
        await people.rebuild_many(everyone[start : start + 200])

    async def nothing(_: str) -> None:
        pass

    async def lose_copies(room: str) -> None:
        await redis.delete(*[person_key(user_id) for user_id in members_of[room]])

    async def drop_member_list(room: str) -> None:
        members.forget(room)

    async def lose_every_message_set(room: str) -> None:
        await redis.delete(every_message_key(room))

    sources = RecipientSources(places, members, EveryMessageMembers(redis))

    async def recipients(event: MessagePosted) -> object:
        return await select_recipients(event, sources, redis, AWAY_SECONDS)

    async def old(event: MessagePosted) -> object:
        return await before(event, redis)

    run = {"load_average": round(os.getloadavg()[0], 1)}
    steps: list[tuple[str, Step, Prepare, int]] = [
        ("before", old, nothing, args.messages),
        ("warm", recipients, nothing, args.messages * 10),
        ("cold_copies", recipients, lose_copies, args.messages),
        ("cold_member_list", recipients, drop_member_list, args.messages),
        ("cold_every_message", recipients, lose_every_message_set, args.messages),
    ]
    for name, step, prepare, messages in steps:
        figures = await timed(step, prepare, messages, args.rooms, *servers)
        run |= {f"{name}_{key}": value for key, value in figures.items()}
    return run


@asynccontextmanager
async def stored_memberships(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[Stack, Redis, dict[str, list[str]]]]:
    """A stack with the people and memberships stored and the directory installed; each
    room's members."""
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb_url)
        redis = Redis.from_url(stack.redis_url)
        try:
            models = [Membership, ChatUser, Profile]
            await init_beanie(database=client["bench_chat"], document_models=models)
            members_of = await store_people(args)
            await install_directory(redis)
            yield stack, redis, members_of
        finally:
            await redis.aclose()
            await client.close()


def write_results(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    summary = median_and_spread(runs)
    print(json.dumps(summary, indent=1))
    memberships = args.people * args.rooms_each
    args.results.write_text(
        json.dumps({"memberships": memberships, "runs": runs, "summary": summary}, indent=1) + "\n"
    )


def memberships_arguments(results: Path) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--rooms-each", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--everything-every", type=int, default=2)
    parser.add_argument("--results", type=Path, default=results)
    return parser


async def measure(args: argparse.Namespace) -> None:
    async with stored_memberships(args) as (stack, redis, members_of):
        servers = stack.pids_of("ferretdb")[0], stack.pids_of("valkey")[0]
        members = RoomMembers(member_ids=MemberSets(redis).member_ids)
        for room in range(min(args.rooms, MEASURED_ROOMS)):  # the replica read them once
            await members.of(room_name(room))
        runs = await repeated(args.runs, lambda: one_run(args, redis, members, members_of, servers))
    write_results(args, runs)


async def repeated(
    times: int, run: Callable[[], Awaitable[dict[str, Any]]]
) -> list[dict[str, Any]]:
    runs = []
    for _ in range(times):
        runs.append(await run())
        print(json.dumps(runs[-1]), file=sys.stderr)
    return runs


def run_bench(
    parser: argparse.ArgumentParser,
    measure: Callable[[argparse.Namespace], Coroutine[Any, Any, None]],
) -> int:
    args = parser.parse_args()
    pin_self(LOAD_CORE)
    asyncio.run(measure(args))
    return 0


def main() -> int:
    parser = memberships_arguments(RESULTS)
    parser.add_argument("--messages", type=int, default=20)
    return run_bench(parser, measure)


if __name__ == "__main__":
    sys.exit(main())
