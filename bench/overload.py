"""Overload: five times the sustainable POST rate on chat's POST /messages.

First the sustainable rate: posters in a closed loop for a few seconds, successful posts per
second. Then an open loop offers five times that rate for a few seconds while a separate
process (its own event loop, so the load client's backlog is not measured) asks chat's
``/healthz`` every 20 ms. Every answer is counted by status: overload must degrade to
``503`` with ``Retry-After``, never fail with a ``500`` or a dropped connection, and the
event loop must stay responsive (``/healthz`` p99 under 50 ms).
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.proc import LOAD_CORE, CpuMeter, pinned
from bench.publisher import ChatPoster
from bench.stack import Stack
from bench.stats import latency_summary

OVERLOAD_FACTOR = 5
CLOSED_LOOP_POSTERS = 32  # as many as chat admits at once (MAX_WRITES_IN_FLIGHT)
CONTENT_LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)

HEALTHZ_PROBE = """
import json, sys, time, httpx
url, seconds = sys.argv[1], float(sys.argv[2])
timings, errors = [], 0
with httpx.Client(timeout=10) as http:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            http.get(url).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
        except httpx.HTTPError:
            errors += 1
        time.sleep(0.02)
print(json.dumps({"timings_ms": timings, "errors": errors}))
"""


async def sustainable_rate(url: str, seconds: float) -> float:
    """Successful posts per second with a few posters in a closed loop."""
    poster = ChatPoster(url)
    await poster.prepare()
    ok = 0
    until = time.monotonic() + seconds

    async def loop(first: int) -> None:
        nonlocal ok
        seq = first
        while time.monotonic() < until:
            status = await poster.post(seq, time.time())
            ok += status < 400
            seq += CLOSED_LOOP_POSTERS

    started = time.monotonic()
    await asyncio.gather(*(loop(-1_000_000 - n) for n in range(CLOSED_LOOP_POSTERS)))
    rate = ok / (time.monotonic() - started)
    await poster.close()
    return rate


ANSWER_SECONDS = 30.0  # httpx's timeout in the other posters (bench/publisher.py)


class RawPoster:
    """POST /messages over bare asyncio keep-alive connections: httpx costs the load core
    about a millisecond a request, too slow to offer five times what chat_svc sustains."""

    def __init__(self, url: str, cookie: str, csrf: str) -> None:
        split = urlsplit(url)
        self.host, self.port = split.hostname or "127.0.0.1", split.port or 80
        body = urlencode({"csrf_token": csrf, "body": "an ordinary message from the overload run"})
        self.request = (
            f"POST /messages HTTP/1.1\r\nHost: {split.netloc}\r\nCookie: {cookie}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self) -> str:
        reader, writer = self.idle.pop() if self.idle else await self._connect()
        try:
            # An answer that never comes is a failure named "TimeoutError", not a hung run.
            async with asyncio.timeout(ANSWER_SECONDS):
                writer.write(self.request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = CONTENT_LENGTH.search(head)
                await reader.readexactly(int(length.group(1)) if length else 0)
        except (OSError, asyncio.IncompleteReadError) as error:
            writer.close()
            return type(error).__name__
        if b"connection: close" in head.lower():
            writer.close()
        else:
            self.idle.append((reader, writer))
        return head[9:12].decode()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(asyncio.open_connection(self.host, self.port), ANSWER_SECONDS)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def raw_poster(url: str) -> RawPoster:
    """A poster with a signed-in browser's cookies and CSRF token (from chat's own page)."""
    browser = ChatPoster(url)
    await browser.prepare()
    cookie = "; ".join(f"{name}={value}" for name, value in browser.http.cookies.items())
    poster = RawPoster(url, cookie, browser._csrf)
    await browser.close()
    return poster


async def offer(url: str, rate: float, seconds: float) -> dict[str, Any]:
    """An open loop at ``rate`` for ``seconds``: how many answers of each status (or error),
    and the rate the load client really achieved."""
    return await open_loop(await raw_poster(url), rate, seconds)


async def open_loop(poster: RawPoster, rate: float, seconds: float) -> dict[str, Any]:
    """Request i leaves at t0 + i/rate whatever the answers before it (bench/api_posts.py
    offers webhook posts through it too); closes the poster."""
    counts: collections.Counter[str] = collections.Counter()

    async def one() -> None:
        counts[await poster.post()] += 1

    start, tasks = time.monotonic(), []
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    sent_in = time.monotonic() - start
    await asyncio.gather(*tasks)
    poster.close()
    return {"statuses": dict(sorted(counts.items())), "achieved_per_s": len(tasks) / sent_in}


def _failed(status: str) -> bool:
    """Anything but a success or a 503: a 500, a dropped or refused connection."""
    return status != "503" and not status.startswith(("2", "3"))


def _probe(url: str, seconds: float) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", HEALTHZ_PROBE, f"{url}/healthz", str(seconds)]
    return subprocess.Popen(pinned(argv, LOAD_CORE), stdout=subprocess.PIPE, text=True)


async def measure(stack: Stack, seconds: float) -> dict[str, Any]:
    url = stack.start_chat("chat-a")
    meter = CpuMeter([stack.pid("chat-a")])
    meter.start()
    sustainable = await sustainable_rate(url, seconds)
    sustain_cpu = meter.stop()
    offered = OVERLOAD_FACTOR * sustainable
    probe = _probe(url, seconds)
    meter.start()
    answered = await offer(url, offered, seconds)
    cpu = meter.stop()
    output, _ = await asyncio.to_thread(probe.communicate, timeout=seconds + 30)
    health = json.loads(output)
    statuses: dict[str, int] = answered["statuses"]
    return {
        "sustainable_posts_per_s": round(sustainable, 1),
        "sustainable_cpu_pct": sustain_cpu,
        "offered_posts_per_s": round(offered, 1),
        "achieved_offer_per_s": round(answered["achieved_per_s"], 1),
        "offer_seconds": seconds,
        "statuses": statuses,
        "failures": sum(n for status, n in statuses.items() if _failed(status)),
        "healthz": latency_summary(health["timings_ms"]) | {"errors": health["errors"]},
        "server_cpu_pct": cpu,
    }
