"""Many rooms: ``rooms`` open rooms of ``per_room`` subscribers each on replica B, messages
posted on replica A to the rooms in turn at ``rate`` in total, next to one room with the
same number of subscribers at the same rate. Per-room subjects mean replica B decodes and
frames each message once for its room's few streams; the figure to compare is deliveries
per server CPU-second.

The bench replicas run on the in-memory store (one per process), so the same rooms are
created on both, in the same order: the slugs match, and ids and the latest messages are
shared through Redis.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.fanout import run_step, start_publisher
from bench.proc import CpuMeter
from bench.publisher import CSRF, ChatPoster
from bench.sse_load import SseCrowd
from bench.stats import latency_summary, median_and_spread, percentile


@dataclass(frozen=True)
class RoomsPlan:
    rooms: int
    per_room: int
    rate: float
    seconds: float
    repeats: int


async def create_rooms(url: str, count: int) -> list[str]:
    """The publisher creates (and so joins) ``count`` open rooms; returns their slugs."""
    poster = ChatPoster(url)
    try:
        page = await poster.http.get("/rooms")
        page.raise_for_status()
        match = CSRF.search(page.text)
        if match is None:
            raise RuntimeError("no CSRF token on the rooms page")
        slugs = []
        for number in range(count):
            created = await poster.http.post(
                "/rooms",
                data={
                    "csrf_token": match.group(1),
                    "name": f"bench {number}",
                    "visibility": "open",
                },
            )
            if created.status_code != 303:
                raise RuntimeError(f"room {number} not created: HTTP {created.status_code}")
            slugs.append(created.headers["location"].removeprefix("/rooms/"))
        return slugs
    finally:
        await poster.close()


async def _rooms_step(
    crowds: dict[str, SseCrowd],
    slugs: list[str],
    post_url: str,
    plan: RoomsPlan,
    first_seq: int,
    meter: CpuMeter,
) -> dict[str, Any]:
    for crowd in crowds.values():
        crowd.reset()
    count = max(len(slugs), int(plan.rate * plan.seconds))
    meter.start()
    _, publishing = await start_publisher(
        post_url, False, plan.rate, count, first_seq, tuple(slugs)
    )
    published = await publishing
    expected = {
        slug: [seq for seq in map(int, published["scheduled"]) if slugs[seq % len(slugs)] == slug]
        for slug in slugs
    }
    deadline = time.monotonic() + 10
    for slug, crowd in crowds.items():
        await crowd.wait_for(len(expected[slug]), patience=max(0.1, deadline - time.monotonic()))
    server_cpu = meter.stop()
    problems: list[str] = []
    latencies: list[float] = []
    arrivals: list[float] = []
    for slug, crowd in crowds.items():
        crowd.parse()
        problems += [f"{slug}: {problem}" for problem in crowd.check(expected[slug])]
        latencies += crowd.latencies_ms()
        arrivals += [a for s in crowd.streams for a in s.arrivals]
    span = (max(arrivals) - min(published["scheduled"].values())) if arrivals else float("inf")
    deliveries_per_s = len(latencies) / span
    return {
        "messages": count,
        "deliveries": len(latencies),
        "deliveries_per_s": round(deliveries_per_s, 1),
        **latency_summary(latencies),
        "server_cpu_pct": server_cpu,
        "deliveries_per_cpu_second": _per_cpu_second(deliveries_per_s, server_cpu),
        "post_p50_ms": round(percentile(published["post_ms"], 0.5), 3),
        "post_p99_ms": round(percentile(published["post_ms"], 0.99), 3),
        "publisher_late_ms": published["late_start_ms"],
        "failed_posts": published["failed"],
        "complete": not problems and not published["failed"],
        "problems": problems[:5],
    }


def _per_cpu_second(deliveries_per_s: float, cpu_pct: float) -> float:
    return round(deliveries_per_s / (cpu_pct / 100), 1) if cpu_pct > 0 else 0.0


async def measure_rooms(
    poster_url: str, reader_url: str, plan: RoomsPlan, reader: CpuMeter, cookies: list[str]
) -> dict[str, Any]:
    slugs = await create_rooms(poster_url, plan.rooms)  # one database: the reader has them too
    crowds = {slug: SseCrowd() for slug in slugs}
    for slug, crowd in crowds.items():
        await crowd.open(f"{reader_url}/rooms/{slug}/events", plan.per_room, cookies)
    await asyncio.sleep(0.5)
    runs = []
    seq = 0
    try:
        for _ in range(plan.repeats):
            runs.append(await _rooms_step(crowds, slugs, poster_url, plan, seq, reader))
            seq += runs[-1]["messages"]
            await asyncio.sleep(0.3)
    finally:
        for crowd in crowds.values():
            crowd.close()
    many = median_and_spread(runs) | {
        "complete": all(r["complete"] for r in runs),
        "problems": [p for r in runs for p in r["problems"]][:5],
    }

    # One room, the same subscribers in total, the same rate: the figure to compare with.
    one_room = SseCrowd()
    await one_room.open(f"{reader_url}/events", plan.rooms * plan.per_room, cookies)
    await asyncio.sleep(0.5)
    single_runs = []
    try:
        for _ in range(plan.repeats):
            infrastructure = CpuMeter([])
            step = await run_step(
                one_room, poster_url, False, plan.rate, plan.seconds, seq, reader, infrastructure
            )
            step["deliveries_per_cpu_second"] = _per_cpu_second(
                step["deliveries_per_s"], step["server_cpu_pct"]
            )
            single_runs.append(step)
            seq += step["messages"]
            await asyncio.sleep(0.3)
    finally:
        one_room.close()
    single = median_and_spread(single_runs) | {"complete": all(r["complete"] for r in single_runs)}
    return {
        "rooms": plan.rooms,
        "subscribers_per_room": plan.per_room,
        "rate": plan.rate,
        "many_rooms": many,
        "one_room": single,
    }


async def warm(url: str) -> None:
    async with httpx.AsyncClient(cookies={"chat_session": "bench-publisher"}) as http:
        (await http.get(f"{url}/rooms/general")).raise_for_status()
