"""Issue 28's ratio table: the floors' arithmetic and the rows the report prints."""

from __future__ import annotations

from typing import Any

import pytest

from bench import ratios
from bench.report import connected


def _floor(acknowledged_by: str = "database") -> dict[str, Any]:
    return {
        "acknowledged_by": acknowledged_by,
        "healthz_every_50_ms": {"p50_ms": 3.0},
        "redis_set_every_50_ms": {"p50_ms": 0.5},
        "jetstream_publish_ack_every_50_ms": {"p50_ms": 0.5},
        "database_insert_every_50_ms": {"p50_ms": 1.0},
        "us_per_send": 7.0,
        "subscribers": 1000,
    }


def _one_replica(**changes: Any) -> dict[str, Any]:
    step = {"complete": True, "post_p50_ms": 10.0, "p50_ms": 13.0, "p99_ms": 20.0}
    found = {
        "subscribers": 1000,
        "connect_seconds": 3.3,
        "floor": _floor(),
        "steps": [step | {"rate": 20.0}, step | {"rate": 100.0, "p99_ms": 49.0}],
    }
    return found | changes


def test_the_post_floor_counts_the_insert_only_while_the_database_acknowledges() -> None:
    assert ratios.post_floor_ms(_floor("database")) == pytest.approx(5.0)
    assert ratios.post_floor_ms(_floor("log")) == pytest.approx(4.0)


def test_the_delivery_floor_adds_the_sends_before_the_median_stream() -> None:
    # 500 sends of 7 µs before the median of 1,000 streams: 3.5 ms (issue 15's note).
    assert ratios.delivery_floor_ms(_floor()) == pytest.approx(8.5)


def test_each_row_holds_figure_floor_ratio_and_verdict() -> None:
    post, delivery, tail, connect = ratios.rows(_one_replica())
    assert post.ratio == pytest.approx(2.0) and post.met is False
    assert delivery.ratio == pytest.approx(13.0 / 8.5) and delivery.met is False
    assert (tail.figure, tail.ratio, tail.met) == (49.0, None, True)
    assert (connect.figure, connect.unit, connect.met) == (3.3, "s", False)


def test_a_ratio_at_its_target_is_met() -> None:
    fast = {"complete": True, "post_p50_ms": 7.5, "p50_ms": 11.05, "p99_ms": 20.0}
    post, delivery, *_ = ratios.rows(_one_replica(steps=[fast | {"rate": 20.0}]))
    assert post.met is True and delivery.met is True


def test_a_step_not_run_or_incomplete_is_not_a_figure() -> None:
    broken = {"rate": 20.0, "complete": False, "post_p50_ms": 1.0, "p50_ms": 1.0, "p99_ms": 1.0}
    post, delivery, tail, _ = ratios.rows(_one_replica(steps=[broken], floor=None))
    assert [row.met for row in (post, delivery, tail)] == [None, None, None]
    assert post.floor_ms is None


def test_the_report_prints_the_table() -> None:
    text = "\n".join(ratios.ratios_table({"one_replica": _one_replica()}))
    assert (
        "| POST p50 at 20 msg/s, 1,000 streams | 10.00 ms | 5.00 | 2.00x | ≤ 1.5x | **no** |"
        in (text)
    )
    assert "| 1,000 streams connected at once | 3.30 s | - | - | ≤ 2 s | **no** |" in text
    assert "(posts acknowledged by the database)" in text


def test_the_fanout_tables_say_how_long_the_streams_took_to_connect() -> None:
    assert connected(_one_replica()) == "connected at once in 3.3 s"
    # A result saved before the ramp timed its opening: never "in ? s".
    assert connected({"subscribers": 1000}) == "opening not timed in that run"
