"""The floor under every latency figure, measured on the same machine and pinning:
a loopback TCP round trip, a NATS publish-to-subscriber hop, a Redis GET, the CPU of one
bare socket send to each of 1,000 streams (the fan-out's floor per delivery written alone),
and a POST's own round trips paced as at 20 msg/s and back to back (bench/paced_floor.py).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from typing import Any

from nats.aio.msg import Msg
from redis.asyncio import Redis

from bench.proc import SERVER_CORE, pinned
from bench.stack import Stack
from bench.stats import latency_summary
from devstack.processes import ReadyProbe, free_port
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import dev_admin_options

# No round trip, publish or read here takes more than milliseconds: a lost one fails the
# step at once instead of hanging the run (a blocking recv would hold the event loop too).
ANSWER_SECONDS = 10.0


def echo_probe(port: int) -> ReadyProbe:
    """Ready once *our* echo server echoes: a bare TCP probe could reach another process that
    took the same free port in the meantime, and the round trips would then wait forever."""

    def probe() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"echo?")
                return sock.recv(16) == b"echo?"
        except OSError:
            return False

    return probe


def loopback_round_trips(port: int, samples: int) -> list[float]:
    timings = []
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(samples):
            start = time.perf_counter()
            sock.sendall(b"x")
            sock.recv(16)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


async def nats_hops(url: str, samples: int) -> list[float]:
    # connect_nats retries forever (a service rides out a NATS restart); the bench must not.
    publisher = await asyncio.wait_for(
        connect_nats(url, "bench-pub", **dev_admin_options()), ANSWER_SECONDS
    )
    subscriber = await asyncio.wait_for(
        connect_nats(url, "bench-sub", **dev_admin_options()), ANSWER_SECONDS
    )
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def on_message(_: Msg) -> None:
        arrived.put_nowait(time.perf_counter())

    await subscriber.subscribe("bench.floor", cb=on_message)
    await subscriber.flush()
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        await publisher.publish("bench.floor", b"x" * 300)
        await publisher.flush()
        timings.append((await asyncio.wait_for(arrived.get(), ANSWER_SECONDS) - start) * 1000)
    await publisher.close()
    await subscriber.close()
    return timings


async def redis_gets(url: str, samples: int) -> list[float]:
    redis = Redis.from_url(
        url, socket_timeout=ANSWER_SECONDS, socket_connect_timeout=ANSWER_SECONDS
    )
    await redis.set("bench:floor", b"x" * 300)
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        await redis.get("bench:floor")
        timings.append((time.perf_counter() - start) * 1000)
    await redis.aclose()
    return timings


def paced_floor(stack: Stack, samples: int) -> dict[str, Any]:
    """A POST's round trips at 20 msg/s and back to back, from the server core
    (bench/paced_floor.py)."""
    argv = [
        sys.executable, "-m", "bench.paced_floor",
        stack.nats_url, stack.redis_url, stack.mongodb_url, str(samples),
    ]  # fmt: skip
    done = subprocess.run(
        pinned(argv, SERVER_CORE), capture_output=True, text=True, check=True, timeout=300
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def send_floor(sockets: int, rounds: int) -> dict[str, Any]:
    """The fan-out's floor (bench/send_floor.py): CPU per bare send to one of ``sockets``."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.send_floor", str(sockets), str(rounds)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(done.stdout)
    return found | {"sockets": sockets}


async def measure_floor(stack: Stack, samples: int) -> dict[str, Any]:
    port = free_port()
    stack.group.start(
        "echo",
        pinned([sys.executable, "-m", "bench.echo_server", str(port)], SERVER_CORE),
        ready=echo_probe(port),
        timeout=10,
    )
    sockets = 1000 if samples >= 1000 else 100
    return {
        "socket_send": send_floor(sockets, max(5, samples // 50)),
        "loopback_round_trip": latency_summary(loopback_round_trips(port, samples)),
        "nats_publish_to_subscriber": latency_summary(await nats_hops(stack.nats_url, samples)),
        "redis_get": latency_summary(await redis_gets(stack.redis_url, samples)),
        **paced_floor(stack, max(20, samples // 50)),
    }
