"""How much each benchmark does: ``quick`` only proves the scripts run (CI), ``full`` measures."""

from __future__ import annotations

from dataclasses import dataclass

from bench.fanout import FanoutPlan
from bench.rooms import RoomsPlan
from bench.typing_load import TypingPlan


@dataclass(frozen=True)
class Mode:
    name: str
    fanout: FanoutPlan
    # Issue 15: one replica posting and streaming, and the fan-out alone (NATS to sockets).
    one_replica: FanoutPlan
    fanout_alone: FanoutPlan
    # Issue 15: the fan-out alone on one process, then the same streams on two processes.
    fanout_cores: FanoutPlan
    page_seconds: float
    page_connections: int
    # The page again, each request from the next of this many signed-in people.
    page_viewers: int
    repeats: int
    idle_levels: tuple[int, ...]
    limit_samples: int
    sign_in_seconds: float
    stored_history: int
    history_posts: int
    rooms: RoomsPlan
    overload_seconds: float
    typing: TypingPlan


QUICK = Mode(
    name="quick",
    fanout=FanoutPlan(subscribers=40, rates=(20.0,), seconds_per_step=1.0, repeats=1),
    one_replica=FanoutPlan(subscribers=40, rates=(20.0,), seconds_per_step=1.0, repeats=1),
    fanout_alone=FanoutPlan(subscribers=40, rates=(20.0,), seconds_per_step=1.0, repeats=1),
    fanout_cores=FanoutPlan(subscribers=40, rates=(20.0,), seconds_per_step=1.0, repeats=1),
    page_seconds=1,
    page_connections=8,
    page_viewers=20,
    repeats=1,
    idle_levels=(100,),
    limit_samples=200,
    sign_in_seconds=1.0,
    stored_history=2_000,
    history_posts=20,
    rooms=RoomsPlan(rooms=4, per_room=3, rate=20.0, seconds=1.0, repeats=1),
    overload_seconds=1.0,
    # Steps long enough for a second signal per typist (the server holds them to one per 3 s).
    typing=TypingPlan(subscribers=40, typists=6, rate=20.0, seconds=4.0, repeats=1),
)

FULL = Mode(
    name="full",
    fanout=FanoutPlan(
        subscribers=1000,
        rates=(20.0, 50.0, 100.0, 200.0, 400.0, 800.0),
        seconds_per_step=3.0,
        repeats=3,
    ),
    one_replica=FanoutPlan(
        subscribers=1000, rates=(20.0, 50.0, 100.0), seconds_per_step=3.0, repeats=3
    ),
    fanout_alone=FanoutPlan(
        subscribers=1000, rates=(20.0, 50.0, 100.0, 200.0, 400.0), seconds_per_step=3.0, repeats=3
    ),
    fanout_cores=FanoutPlan(
        subscribers=1000, rates=(20.0, 50.0, 100.0, 200.0), seconds_per_step=3.0, repeats=3
    ),
    page_seconds=8,
    page_connections=32,
    page_viewers=1000,
    repeats=3,
    idle_levels=(1000, 5000, 10000),
    limit_samples=5000,
    sign_in_seconds=8.0,
    stored_history=100_000,
    history_posts=200,
    rooms=RoomsPlan(rooms=100, per_room=10, rate=100.0, seconds=5.0, repeats=3),
    overload_seconds=4.0,
    # Issue 14's budget: 1,000 subscribers at 20 msg/s with 100 of them typing.
    typing=TypingPlan(subscribers=1000, typists=100, rate=20.0, seconds=5.0, repeats=3),
)
