"""An open-loop publisher: message ``i`` is sent at ``t0 + i / rate`` whether or not the
server has answered the ones before, and latency is measured from that scheduled time, so
a slow server cannot hide its delay by slowing the sender down.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import httpx
from nats.aio.client import Client as NATS

import nats
from chat_svc.events import MessagePosted
from service_kit.messaging.nats_credentials import dev_admin_options

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def message_body(seq: int, due: float) -> str:
    """The scheduled send time travels in the body, so the readers need no side channel."""
    return f"bench:{seq}:{round(due * 1_000_000)}: a message of ordinary length from the bench"


class Poster(Protocol):
    async def prepare(self) -> None: ...
    async def post(self, seq: int, due: float) -> int: ...
    async def close(self) -> None: ...


@dataclass
class ChatPoster:
    """Posts through chat_svc's own form (CSRF and all), as a signed-in browser would."""

    base_url: str
    token: str = "bench-publisher"  # noqa: S105 - the fake auth's benchmark token
    # Message ``seq`` goes to ``rooms[seq % len(rooms)]``; none: general's old URL.
    rooms: tuple[str, ...] = ()
    max_connections: int = 64
    _csrf: str = ""
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        connections = self.max_connections
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            cookies={"chat_session": self.token},
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            timeout=30,
        )

    async def prepare(self) -> None:
        page = await self.http.get("/rooms/general")
        page.raise_for_status()
        match = CSRF.search(page.text)
        if match is None:
            raise RuntimeError("no CSRF token on the chat page")
        self._csrf = match.group(1)

    async def post(self, seq: int, due: float) -> int:
        path = f"/rooms/{self.rooms[seq % len(self.rooms)]}/messages" if self.rooms else "/messages"
        response = await self.http.post(
            path, data={"csrf_token": self._csrf, "body": message_body(seq, due)}
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

    async def post(self, seq: int, due: float) -> int:
        response = await self.http.post("/messages", data={"body": message_body(seq, due)})
        return response.status_code

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class BareExchange:
    """``GET /healthz`` paced as the posts are, from the same kind of client and process:
    the HTTP exchange a post cannot avoid (bench/ratios.py's floor)."""

    base_url: str
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=30)

    async def prepare(self) -> None:
        (await self.http.get("/healthz")).raise_for_status()

    async def post(self, seq: int, due: float) -> int:
        return (await self.http.get("/healthz")).status_code

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class NatsPoster:
    """Publishes ``MessagePosted`` straight to the room's NATS subject, ids counting up from 1
    on a fresh stack: the fan-out alone (render, frame, write), without the POST's cost."""

    nats_url: str
    room: str = "general"
    nats: NATS = field(init=False)

    async def prepare(self) -> None:
        self.nats = await nats.connect(self.nats_url, **dev_admin_options())

    async def post(self, seq: int, due: float) -> int:
        event = MessagePosted(
            room=self.room,
            message_id=seq + 1,
            author_id="bench-publisher",
            author_name="Bench",
            body=message_body(seq, due),
            posted_at=datetime.fromtimestamp(due, UTC),
        )
        await self.nats.publish(
            MessagePosted.subject_for(self.room), event.model_dump_json().encode()
        )
        return 200

    async def close(self) -> None:
        await self.nats.drain()


def poster_for(
    url: str, peer: bool, rooms: tuple[str, ...] = (), bare_exchange: bool = False
) -> Poster:
    if bare_exchange:
        return BareExchange(url)
    if url.startswith("nats://"):
        return NatsPoster(url)
    return PeerPoster(url) if peer else ChatPoster(url, rooms=rooms)


@dataclass
class PublishResult:
    scheduled: dict[int, float]
    failed: int
    late_start_ms: float  # how far behind schedule the sender itself ever got
    post_ms: list[float]  # scheduled send time to the POST's answer
    # Refused (an error status) or unanswered: never owed to a stream, maybe delivered.
    failed_seqs: list[int] = field(default_factory=list)


async def publish_open_loop(
    poster: Poster, rate: float, count: int, first_seq: int, start: float | None = None
) -> PublishResult:
    scheduled: dict[int, float] = {}
    answered: list[float] = []
    tasks: list[asyncio.Task[int]] = []

    async def timed(seq: int, due: float) -> int:
        status = await poster.post(seq, due)
        answered.append((time.time() - due) * 1000)
        return status

    start = start if start is not None else time.time() + 0.05
    worst_late = 0.0
    for i in range(count):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_late = max(worst_late, time.time() - due)
        seq = first_seq + i
        scheduled[seq] = due
        tasks.append(asyncio.create_task(timed(seq, due)))
    statuses = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [
        seq
        for seq, status in zip(scheduled, statuses, strict=True)
        if not isinstance(status, int) or status >= 400
    ]
    return PublishResult(scheduled, len(failed), round(worst_late * 1000, 3), answered, failed)


def main() -> int:
    """``python -m bench.publisher``: one open-loop burst in its own process (JSON on stdout),
    so the readers' work in the load process never delays a send."""
    parser = argparse.ArgumentParser(prog="bench.publisher")
    parser.add_argument("--url", required=True, help="chat's (or the peer's) URL, or NATS'")
    parser.add_argument("--peer", action="store_true")
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--first-seq", type=int, default=0)
    parser.add_argument("--rooms", default="", help="comma-separated slugs to post to in turn")
    parser.add_argument("--bare-exchange", action="store_true", help="GET /healthz instead")
    args = parser.parse_args()

    async def burst() -> PublishResult:
        rooms = tuple(slug for slug in args.rooms.split(",") if slug)
        poster = poster_for(args.url, args.peer, rooms, args.bare_exchange)
        await poster.prepare()
        # Started and connected: the parent answers with the epoch time of message 0.
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        start = float(await asyncio.to_thread(sys.stdin.readline))
        try:
            return await publish_open_loop(
                poster, args.rate, args.count, args.first_seq, start=start
            )
        finally:
            await poster.close()

    result = asyncio.run(burst())
    sys.stdout.write(json.dumps(dataclasses.asdict(result)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
