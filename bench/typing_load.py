"""The typing budget (issue 14): ``subscribers`` streams of general on replica B while
replica A takes ``rate`` messages/s, first alone, then with ``typists`` people typing on
(each page asks every second, as a person typing steadily would; the server lets one signal
per person through every 3 s, so about typists / 3 signals a second, each framed to every
open page of the room). Budget: typing may cost the message fan-out less than 10% of its
deliveries per CPU-second of replica B.

Quiet and typing steps alternate, so a neighbour's load on the shared machine falls on both.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.fanout import run_step
from bench.proc import CpuMeter
from bench.publisher import CSRF
from bench.sse_load import SseCrowd
from bench.stats import median_and_spread

BUDGET = 0.10  # at most this share of the deliveries per CPU-second lost to typing
ASK_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class TypingPlan:
    subscribers: int
    typists: int
    rate: float
    seconds: float
    repeats: int


@dataclass
class Typists:
    """``count`` signed-in people POSTing ``/rooms/general/typing``, spread over each second."""

    url: str
    count: int
    posted: int = 0  # answered 204 (the server may have held the signal back: 3 s rule)
    failed: int = 0
    _clients: list[tuple[httpx.AsyncClient, str]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def prepare(self) -> None:
        for number in range(self.count):
            http = httpx.AsyncClient(
                base_url=self.url, cookies={"chat_session": f"bench-typist{number}"}, timeout=30
            )
            page = await http.get("/rooms/general")
            page.raise_for_status()
            match = CSRF.search(page.text)
            if match is None:
                raise RuntimeError("no CSRF token on the chat page")
            self._clients.append((http, match.group(1)))

    def start(self) -> None:
        self._task = asyncio.create_task(self._type())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close(self) -> None:
        await self.stop()
        for http, _ in self._clients:
            await http.aclose()

    async def _type(self) -> None:
        gap = ASK_EVERY_SECONDS / max(self.count, 1)
        pending: set[asyncio.Task[None]] = set()
        try:
            while True:
                for http, csrf in self._clients:
                    task = asyncio.create_task(self._signal(http, csrf))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                    await asyncio.sleep(gap)
        finally:
            for task in list(pending):
                task.cancel()

    async def _signal(self, http: httpx.AsyncClient, csrf: str) -> None:
        try:
            answer = await http.post("/rooms/general/typing", data={"csrf_token": csrf})
        except httpx.HTTPError:
            self.failed += 1
            return
        if answer.status_code == 204:
            self.posted += 1
        else:
            self.failed += 1


def _per_cpu_second(step: dict[str, Any]) -> float:
    cpu = float(step["server_cpu_pct"])
    return round(float(step["deliveries_per_s"]) / (cpu / 100), 1) if cpu > 0 else 0.0


def _delivery(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Complete: every post accepted and delivered. A busy machine may refuse posts (503) or
    time them out: ``problems`` (a stream missing or misordering an accepted message) is what
    must stay empty whatever the load."""
    return {
        "complete": all(r["complete"] for r in runs),
        "problems": [p for r in runs for p in r["problems"]][:5],
        "refused_posts": sum(int(r["failed_posts"]) for r in runs),
    }


async def measure_typing(
    poster_url: str, reader_url: str, plan: TypingPlan, reader: CpuMeter, cookies: list[str]
) -> dict[str, Any]:
    typists = Typists(poster_url, plan.typists)
    await typists.prepare()
    crowd = SseCrowd()
    # Smaller batches than the fan-out ramp's: every opening reads the store (FerretDB).
    await crowd.open(f"{reader_url}/events", plan.subscribers, cookies, batch=50)
    await asyncio.sleep(0.5)
    quiet: list[dict[str, Any]] = []
    typing: list[dict[str, Any]] = []
    seq = 0
    try:
        for _ in range(plan.repeats):
            for runs, with_typing in ((quiet, False), (typing, True)):
                if with_typing:
                    typists.start()
                    await asyncio.sleep(1.0)  # every typist's signal is in flight
                frames_before = crowd.streams[0].typing_frames
                step = await run_step(
                    crowd, poster_url, False, plan.rate, plan.seconds, seq, reader, CpuMeter([])
                )
                await typists.stop()
                step["typing_frames_per_stream"] = crowd.streams[0].typing_frames - frames_before
                step["deliveries_per_cpu_second"] = _per_cpu_second(step)
                runs.append(step)
                seq += step["messages"]
                await asyncio.sleep(0.3)
    finally:
        crowd.close()
        await typists.close()
    quiet_summary = median_and_spread(quiet) | _delivery(quiet)
    typing_summary = median_and_spread(typing) | _delivery(typing)
    base = float(quiet_summary["deliveries_per_cpu_second"])
    loaded = float(typing_summary["deliveries_per_cpu_second"])
    cost = round(1 - loaded / base, 3) if base > 0 else 0.0
    return {
        "subscribers": plan.subscribers,
        "typists": plan.typists,
        "rate": plan.rate,
        "quiet": quiet_summary,
        "typing": typing_summary,
        "typing_posts": typists.posted,
        "typing_posts_failed": typists.failed,
        "cost_share": cost,
        "budget_share": BUDGET,
        "within_budget": cost < BUDGET,
    }
