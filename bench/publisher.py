"""An open-loop publisher: message ``i`` is sent at ``t0 + i / rate`` whether or not the
server has answered the ones before, and latency is measured from that scheduled time, so
a slow server cannot hide its delay by slowing the sender down.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Protocol

import httpx

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def message_body(seq: int) -> str:
    return f"bench:{seq}: a message of ordinary length from the benchmark publisher"


class Poster(Protocol):
    async def prepare(self) -> None: ...
    async def post(self, seq: int) -> int: ...
    async def close(self) -> None: ...


@dataclass
class ChatPoster:
    """Posts through chat_svc's own form (CSRF and all), as a signed-in browser would."""

    base_url: str
    token: str = "bench-publisher"  # noqa: S105 - the fake auth's benchmark token
    _csrf: str = ""
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            cookies={"chat_session": self.token},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
            timeout=30,
        )

    async def prepare(self) -> None:
        page = await self.http.get("/")
        page.raise_for_status()
        match = CSRF.search(page.text)
        if match is None:
            raise RuntimeError("no CSRF token on the chat page")
        self._csrf = match.group(1)

    async def post(self, seq: int) -> int:
        response = await self.http.post(
            "/messages", data={"csrf_token": self._csrf, "body": message_body(seq)}
        )
        return response.status_code

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class PeerPoster:
    base_url: str
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
            timeout=30,
        )

    async def prepare(self) -> None:
        (await self.http.get("/healthz")).raise_for_status()

    async def post(self, seq: int) -> int:
        response = await self.http.post("/messages", data={"body": message_body(seq)})
        return response.status_code

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class PublishResult:
    scheduled: dict[int, float]
    failed: int
    late_start_ms: float  # how far behind schedule the sender itself ever got


async def publish_open_loop(
    poster: Poster, rate: float, count: int, first_seq: int
) -> PublishResult:
    scheduled: dict[int, float] = {}
    tasks: list[asyncio.Task[int]] = []
    start = time.time() + 0.05
    worst_late = 0.0
    for i in range(count):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_late = max(worst_late, time.time() - due)
        seq = first_seq + i
        scheduled[seq] = due
        tasks.append(asyncio.create_task(poster.post(seq)))
    statuses = await asyncio.gather(*tasks, return_exceptions=True)
    failed = sum(1 for s in statuses if not isinstance(s, int) or s >= 400)
    return PublishResult(scheduled, failed, round(worst_late * 1000, 3))
