"""Issue 28: issue 15's speed targets as ratios to a floor measured in the same run.

The machine has 2 cores whose idle wake-ups cost milliseconds, so a target in ms says more
about the machine than the code. The one-replica fan-out (suites.bench_fanout) measures its
floor once its streams are open, before its steps, on the same stack and at the same pace:

- the POST's floor: a bare ``GET /healthz`` from the publisher's kind of process and client,
  one every 50 ms, plus the round trips a post cannot avoid, each timed alone at that pace
  from the server core (bench/paced_floor.py): Valkey (the intake script's one round trip),
  the JetStream publish and its ack, and the database insert only while posts are
  acknowledged by the database (``CHAT_POSTS_ACKNOWLEDGED_BY``; chat's default is ``log``);
- post to delivery's floor: the POST's floor plus the bare socket sends written before the
  median stream's (half the streams, bench/send_floor.py), as issue 15's note reasoned.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import asdict, dataclass
from typing import Any

from bench.fanout import start_publisher
from bench.limits import paced_floor, send_floor
from bench.stack import Stack
from bench.stats import latency_summary
from chat_svc.settings import ChatSettings

PACE_PER_S = 20.0  # the rate of the two ratio targets
ACKNOWLEDGED_BY = "CHAT_POSTS_ACKNOWLEDGED_BY"
SEND_ROUNDS = 20
# bench/paced_floor.py's names: the Valkey SET stands for the intake script's round trip.
ROUND_TRIPS = ("redis_set", "jetstream_publish_ack", "database_insert")


def acknowledged_by() -> str:
    """What the stack's replicas wait for before answering a post (they inherit this
    process's environment)."""
    default = str(ChatSettings.model_fields["posts_acknowledged_by"].default)
    return os.environ.get(ACKNOWLEDGED_BY, default)


async def measure_floor(stack: Stack, url: str, subscribers: int, samples: int) -> dict[str, Any]:
    """The floor's parts, p50 in ms, paced as the 20 msg/s step paces its posts."""
    _, probing = await start_publisher(url, False, PACE_PER_S, samples, 0, bare_exchange=True)
    exchange = await probing
    trips = await asyncio.to_thread(paced_floor, stack, samples)
    sends = await asyncio.to_thread(send_floor, subscribers, SEND_ROUNDS)
    return {
        "acknowledged_by": acknowledged_by(),
        "healthz_every_50_ms": latency_summary(exchange["post_ms"]),
        **{f"{name}_every_50_ms": trips[f"{name}_every_50_ms"] for name in ROUND_TRIPS},
        "us_per_send": sends["us_per_send"],
        "subscribers": subscribers,
    }


def post_floor_ms(floor: dict[str, Any]) -> float:
    trips = [name for name in ROUND_TRIPS if name != "database_insert"]
    if floor["acknowledged_by"] == "database":
        trips.append("database_insert")
    parts = [floor[f"{name}_every_50_ms"] for name in ("healthz", *trips)]
    return sum(float(part["p50_ms"]) for part in parts)


def delivery_floor_ms(floor: dict[str, Any]) -> float:
    """The post's floor, then the sends written before the median stream's."""
    return (
        post_floor_ms(floor) + float(floor["subscribers"]) / 2 * float(floor["us_per_send"]) / 1000
    )


@dataclass(frozen=True)
class Row:
    target: str
    figure: float | None
    unit: str
    floor_ms: float | None  # None: a target in absolute units
    limit: float  # the ratio's, or the figure's in ``unit`` when there is no floor

    @property
    def ratio(self) -> float | None:
        if self.figure is None or self.floor_ms is None:
            return None
        return self.figure / self.floor_ms

    @property
    def met(self) -> bool | None:
        measured = self.figure if self.floor_ms is None else self.ratio
        return None if measured is None else measured <= self.limit


def _step(one_replica: dict[str, Any], rate: float) -> dict[str, Any]:
    found = next((s for s in one_replica.get("steps", []) if s["rate"] == rate), None)
    return found if found is not None and found["complete"] else {}


def rows(one_replica: dict[str, Any]) -> list[Row]:
    """The four targets from the one-replica fan-out's result (figures a step did not reach,
    or reached losing a message, are None)."""
    floor = one_replica.get("floor")
    at_20, at_100 = _step(one_replica, 20.0), _step(one_replica, 100.0)
    streams = one_replica.get("subscribers", 0)
    return [
        Row(
            f"POST p50 at 20 msg/s, {streams:,} streams",
            at_20.get("post_p50_ms"),
            "ms",
            post_floor_ms(floor) if floor else None,
            1.5,
        ),
        Row(
            "post to delivery p50 at 20 msg/s",
            at_20.get("p50_ms"),
            "ms",
            delivery_floor_ms(floor) if floor else None,
            1.3,
        ),
        Row("post to delivery p99 at 100 msg/s, one replica", at_100.get("p99_ms"), "ms", None, 50),
        Row(
            f"{streams:,} streams connected at once",
            one_replica.get("connect_seconds"),
            "s",
            None,
            2,
        ),
    ]


def as_json(one_replica: dict[str, Any]) -> list[dict[str, Any]]:
    return [asdict(row) | {"ratio": row.ratio, "met": row.met} for row in rows(one_replica)]


def _number(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{suffix}"


def ratios_table(fanout: dict[str, Any]) -> list[str]:
    """Markdown: figure, floor, ratio, target, met, for the one-replica fan-out."""
    one_replica = fanout.get("one_replica")
    if not one_replica:
        return []
    floor = one_replica.get("floor")
    lines = [
        "",
        "Targets as ratios (issue 28), one replica posting and streaming; the floor is "
        "measured in the same run, streams open, one request every 50 ms"
        + (f" (posts acknowledged by the {floor['acknowledged_by']})" if floor else "")
        + ":",
        "",
        "| target | figure | floor ms | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows(one_replica):
        limit = f"≤ {row.limit:g}x" if row.floor_ms is not None else f"≤ {row.limit:g} {row.unit}"
        met = {True: "yes", False: "**no**", None: "not measured"}[row.met]
        lines.append(
            f"| {row.target} | {_number(row.figure, 2, ' ' + row.unit)} | "
            f"{_number(row.floor_ms, 2)} | {_number(row.ratio, 2, 'x')} | {limit} | {met} |"
        )
    return lines
