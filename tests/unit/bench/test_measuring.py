"""The benchmark's own arithmetic and checks: a benchmark that miscounts is worse than none."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bench import fanout
from bench.page import parse_wrk
from bench.proc import CpuMeter
from bench.sse_load import SseCrowd, SseStream
from bench.stats import median_and_spread, percentile

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:8002/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    81.01ms   20.10ms 245.56ms   80.12%
  Latency Distribution
     50%   80.25ms
     75%   90.11ms
     90%  100.00ms
     99%    1.20s
  2901 requests in 8.00s, 21.12MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    362.51
Transfer/sec:      2.64MB
"""


def test_wrk_output_is_read_with_units() -> None:
    assert parse_wrk(WRK_OUTPUT) == {
        "requests_per_s": 362.51,
        "p50_ms": 80.25,
        "p99_ms": 1200.0,
        "non_2xx": 3,
    }


def test_percentiles_and_spread() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.99) == 99.0
    summary = median_and_spread([{"rate": 1.0, "ok": True}, {"rate": 3.0, "ok": True},
                                 {"rate": 2.0, "ok": False}])  # fmt: skip
    assert summary["rate"] == 2.0
    assert summary["rate_spread"] == [1.0, 3.0]
    assert "ok" not in summary


def _frame(message_id: int, seq: int, due_us: int) -> bytes:
    return (
        f"id: {message_id}\nevent: message\ndata: <li>\ndata: bench:{seq}:{due_us}: hi\n"
        "data: </li>\n\n"
    ).encode()


async def _stream_receiving(*reads: bytes) -> SseStream:
    stream = SseStream(b"")
    stream.data_received(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nretry: 2000\n\n"
    )
    for read in reads:
        stream.data_received(read)
    await asyncio.sleep(0)
    return stream


async def test_frames_split_across_reads_are_counted_once_in_order() -> None:
    first, second = _frame(7, 0, 1_000_000), _frame(8, 1, 2_000_000)
    stream = await _stream_receiving(first[:10], first[10:] + second[:5], second[5:])
    crowd = SseCrowd([stream])
    crowd.parse()
    assert list(stream.ids) == [7, 8]
    assert list(stream.seqs) == [0, 1]
    assert crowd.check([0, 1]) == []
    assert len(crowd.latencies_ms()) == 2


@pytest.mark.parametrize(
    ("reads", "problem"),
    [
        ((_frame(7, 0, 1),), "1 of 2 messages, 1 missing"),
        ((_frame(8, 1, 1), _frame(7, 0, 1)), "message ids out of order"),
        ((_frame(7, 0, 1), _frame(8, 1, 1), b"event: reload\ndata: too far behind\n\n"), "reload"),
    ],
)
async def test_a_lost_reordered_or_reloaded_stream_is_a_problem(
    reads: tuple[bytes, ...], problem: str
) -> None:
    crowd = SseCrowd([await _stream_receiving(*reads)])
    crowd.parse()
    problems = crowd.check([0, 1])
    assert any(problem in found for found in problems), problems


async def test_a_post_that_failed_is_owed_to_no_stream_delivered_or_not() -> None:
    """Refused (503) or unanswered under load: the overload's answer, not a lost message
    (the quick run failed on a loaded machine with "69 of 80 messages")."""
    missing_it = SseCrowd([await _stream_receiving(_frame(7, 0, 1), _frame(8, 2, 1))])
    got_it = SseCrowd([await _stream_receiving(*(_frame(7 + n, n, 1) for n in range(3)))])
    for crowd in (missing_it, got_it):
        crowd.parse()
        assert crowd.check([0, 2], unsure={1}) == []
    assert missing_it.check([0, 1, 2])  # had it been accepted, it would be owed


class _RecordingMeter(CpuMeter):
    """Remembers when it was started; the share it reports does not matter here."""

    started_at: float | None = None

    def start(self) -> None:
        self.started_at = time.time()

    def stop(self) -> float:
        return 50.0


class _RecordingCrowd(SseCrowd):
    waited_for: int | None = None

    async def wait_for(self, expected_each: int, patience: float) -> bool:
        self.waited_for = expected_each
        return True


async def test_a_step_measures_cpu_from_message_0_and_waits_only_for_accepted_posts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The meters once ran through the publisher's idle start-up second and, when posts were
    refused, through the whole patience waiting for them: CPU shares read far too low (the
    one-replica step's "21% CPU" at 100 msg/s) and deliveries per CPU-second too high."""
    monkeypatch.setattr(fanout, "PUBLISHER_START_SECONDS", 0.2)
    first_send: list[float] = []

    async def start_publisher(
        post_url: str, peer: bool, rate: float, count: int, first_seq: int
    ) -> tuple[float, asyncio.Task[dict[str, Any]]]:
        start = time.time() + fanout.PUBLISHER_START_SECONDS  # once the child is ready
        first_send.append(start)

        async def publish() -> dict[str, Any]:
            await asyncio.sleep(max(0.0, start - time.time()) + 0.05)
            scheduled = {str(first_seq + i): start + i / rate for i in range(count)}
            return {"scheduled": scheduled, "failed": 2, "late_start_ms": 0.0, "post_ms": [1.0]}

        return start, asyncio.create_task(publish())

    monkeypatch.setattr(fanout, "start_publisher", start_publisher)
    crowd = _RecordingCrowd([])
    meter, infrastructure = _RecordingMeter([]), _RecordingMeter([])
    step = await fanout.run_step(crowd, "http://chat", False, 100.0, 0.1, 0, meter, infrastructure)
    assert meter.started_at is not None and infrastructure.started_at is not None
    assert meter.started_at >= first_send[0] - 0.005
    assert crowd.waited_for == 10 - 2  # the two refused posts never arrive
    assert step["failed_posts"] == 2 and not step["complete"]
