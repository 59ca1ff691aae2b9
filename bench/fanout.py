"""Fan-out: POST on replica A, N subscribers on replica B, open-loop rate rising by steps.

A step is repeated ``repeats`` times. The ramp records the highest rate whose median p99 stays
within the 50 ms target, then goes on until the server saturates, to find the throughput
ceiling; a dropped message ends it (a drop is reported as a bug, not a figure).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.proc import LOAD_CORE, CpuMeter, pinned
from bench.sse_load import SseCrowd
from bench.stats import latency_summary, median_and_spread, percentile

log = logging.getLogger(__name__)

P99_TARGET_MS = 50.0
# Past the target the ramp goes on to find the throughput ceiling, until the server is
# clearly saturated (queues grow for the whole step) or a message is lost.
P99_SATURATED_MS = 1000.0
# Message 0 leaves this long after the publisher said it is ready (started and connected):
# a loaded machine took 2-3 s to start it, and a start fixed in advance then sent the overdue
# messages at once and timed them from their due time (seconds of "latency").
PUBLISHER_START_SECONDS = 0.2
PUBLISHER_SLACK_SECONDS = 90.0  # past its last scheduled post, for the answers to come


@dataclass(frozen=True)
class FanoutPlan:
    subscribers: int
    rates: tuple[float, ...]
    seconds_per_step: float
    repeats: int


async def start_publisher(
    post_url: str,
    peer: bool,
    rate: float,
    count: int,
    first_seq: int,
    rooms: tuple[str, ...] = (),
    bare_exchange: bool = False,
) -> tuple[float, asyncio.Task[dict[str, Any]]]:
    """The publisher runs pinned to the load core in its own process (``bench.publisher``);
    once it is ready it is told when message 0 leaves. That time (epoch seconds), and its
    result to come."""
    argv = [
        sys.executable, "-m", "bench.publisher", "--url", post_url, "--rate", str(rate),
        "--count", str(count), "--first-seq", str(first_seq),
        *(["--peer"] if peer else []), *(["--rooms", ",".join(rooms)] if rooms else []),
        *(["--bare-exchange"] if bare_exchange else []),
    ]  # fmt: skip
    child = await asyncio.create_subprocess_exec(
        *pinned(argv, LOAD_CORE), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert child.stdin is not None
    assert child.stdout is not None
    if (await asyncio.wait_for(child.stdout.readline(), 120)).strip() != b"ready":
        raise RuntimeError("the publisher did not start")
    start = time.time() + PUBLISHER_START_SECONDS
    child.stdin.write(f"{start!r}\n".encode())
    await child.stdin.drain()

    async def result() -> dict[str, Any]:
        # Its posts time out after 30 s each (bench/publisher.py): a publisher still running
        # well past its schedule is stuck, and is ended rather than waited on forever.
        try:
            out, _ = await asyncio.wait_for(
                child.communicate(),
                count / rate + (start - time.time()) + PUBLISHER_SLACK_SECONDS,
            )
        except TimeoutError:
            child.kill()
            await child.wait()
            raise
        if child.returncode != 0:
            raise RuntimeError(f"the publisher failed with exit code {child.returncode}")
        found: dict[str, Any] = json.loads(out)
        return found

    return start, asyncio.create_task(result())


async def run_step(
    crowd: SseCrowd,
    post_url: str,
    peer: bool,
    rate: float,
    seconds: float,
    first_seq: int,
    meter: CpuMeter,
    infrastructure: CpuMeter,
) -> dict[str, Any]:
    crowd.reset()
    count = max(5, int(rate * seconds))
    start, publishing = await start_publisher(post_url, peer, rate, count, first_seq)
    # CPU is measured from message 0's send time: the publisher's start-up second, when
    # the server idles, would otherwise dilute every CPU share (and inflate deliveries per
    # CPU-second by about a third in 3 s steps).
    await asyncio.sleep(max(0.0, start - time.time()))
    wall, own = time.monotonic(), time.process_time()
    meter.start()
    infrastructure.start()
    published = await publishing
    # A refused post (503) is never stored nor delivered: waiting for it would run the full
    # patience and count that idle time in the CPU shares (the "21% CPU" at 100 msg/s).
    await crowd.wait_for(count - published["failed"], patience=10)
    server_cpu = meter.stop()
    infrastructure_cpu = infrastructure.stop()
    client_cpu = round(100 * (time.process_time() - own) / (time.monotonic() - wall), 1)
    crowd.parse()
    # A post refused or unanswered under load is the overload's answer, owed to nobody.
    failed = set(published.get("failed_seqs", ()))
    expected = [int(seq) for seq in published["scheduled"] if int(seq) not in failed]
    problems = crowd.check(expected, unsure=failed)
    latencies = crowd.latencies_ms()
    arrivals = [a for s in crowd.streams for a in s.arrivals]
    span = (max(arrivals) - min(published["scheduled"].values())) if arrivals else float("inf")
    return {
        "rate": rate,
        "messages": count,
        "deliveries": len(latencies),
        "deliveries_per_s": round(len(latencies) / span, 1),
        **latency_summary(latencies),
        "server_cpu_pct": server_cpu,
        "poster_nats_redis_cpu_pct": infrastructure_cpu,
        "load_client_cpu_pct": client_cpu,
        "publisher_late_ms": published["late_start_ms"],
        "post_p50_ms": round(percentile(published["post_ms"], 0.5), 3),
        "post_p99_ms": round(percentile(published["post_ms"], 0.99), 3),
        "failed_posts": published["failed"],
        "complete": not problems and not published["failed"],
        "problems": problems[:5],
    }


async def run_ramp(
    url_events: str | tuple[str, ...],
    post_url: str,
    peer: bool,
    plan: FanoutPlan,
    cookies: list[str],
    meter: CpuMeter,
    infrastructure: CpuMeter,
    floor: Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``floor``: measured once the streams are open, before the steps (bench/ratios.py)."""
    # Several URLs (replicas): the subscribers are split evenly between them.
    urls = (url_events,) if isinstance(url_events, str) else url_events
    crowd = SseCrowd()
    # All at once, as after a deploy (issue 28: within 2 s, with history stored).
    opening = time.monotonic()
    for url in urls:
        share = plan.subscribers // len(urls)
        await crowd.open(url, share, cookies, batch=share)
    connect_seconds = round(time.monotonic() - opening, 2)
    log.info("%d streams connected in %.2f s", plan.subscribers, connect_seconds)
    await asyncio.sleep(0.5)
    steps: list[dict[str, Any]] = []
    seq = 0
    opened: dict[str, Any] = {"subscribers": plan.subscribers, "connect_seconds": connect_seconds}
    try:
        if floor is not None:
            opened["floor"] = await floor()
        for rate in plan.rates:
            runs = []
            for _ in range(plan.repeats):
                runs.append(
                    await run_step(
                        crowd,
                        post_url,
                        peer,
                        rate,
                        plan.seconds_per_step,
                        seq,
                        meter,
                        infrastructure,
                    )
                )
                seq += runs[-1]["messages"]
                await asyncio.sleep(0.3)
            step = median_and_spread(runs) | {
                "rate": rate,
                "complete": all(r["complete"] for r in runs),
                "problems": [p for r in runs for p in r["problems"]][:5],
            }
            steps.append(step)
            log.info(
                "fan-out %s msg/s: p50 %.1f ms, p99 %.1f ms, %s deliveries/s, server %s%% CPU, "
                "load client %s%% CPU",
                rate, step["p50_ms"], step["p99_ms"], step["deliveries_per_s"],
                step["server_cpu_pct"], step["load_client_cpu_pct"],
            )  # fmt: skip
            if not step["complete"] or step["p99_ms"] > P99_SATURATED_MS:
                break
    finally:
        crowd.close()
    return opened | {"steps": steps, **ramp_summary(steps)}


def ramp_summary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    complete = [s for s in steps if s["complete"]]
    within = [s for s in complete if s["p99_ms"] <= P99_TARGET_MS]
    at_20 = next((s for s in steps if s["rate"] == 20), None)
    return {
        "max_deliveries_per_s": max((s["deliveries_per_s"] for s in complete), default=0),
        "max_rate_within_p99_target": max((s["rate"] for s in within), default=0),
        "dropped": any(not s["complete"] for s in steps),
        "at_20_per_s": at_20,
    }
