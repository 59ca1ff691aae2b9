"""Where a server spends its time under load: py-spy samples it, we rank the frames.

``python -m bench.profiling page|fanout [--server uvicorn]`` drives the same load as the
benchmark and prints the functions with the most samples (self and inclusive).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.fanout import FanoutPlan, run_ramp
from bench.page import run_wrk
from bench.proc import LOAD_CORE, CpuMeter, pin_self
from bench.sse_load import raise_file_limit
from bench.stack import running_stack
from bench.suites import PAGE_COOKIE, SUBSCRIBER_COOKIES, _warm_page

PROFILES = Path(__file__).resolve().parent / "results" / "profiles"


def record(pid: int, seconds: float, raw: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).parent / "py-spy"
    argv = [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds)),
            "--format", "raw", "--rate", "200", "--output", str(raw), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rank(raw: Path, top: int = 25) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "", "self %   function"]
    lines += [f"{100 * n / total:6.1f}   {f}" for f, n in own.most_common(top)]
    lines += ["", "incl %   function"]
    lines += [f"{100 * n / total:6.1f}   {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(lines)


async def profile(kind: str, server: str, seconds: float, subscribers: int, rate: float) -> Path:
    PROFILES.mkdir(parents=True, exist_ok=True)
    raw = PROFILES / f"{kind}-{server}.raw"
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        poster_url = stack.start_chat("chat-a", server)
        reader_url = stack.start_chat("chat-b", server)
        await _warm_page(poster_url)
        if kind == "page":
            sampler = record(stack.pid("chat-a"), seconds, raw)
            run_wrk(f"{poster_url}/", PAGE_COOKIE, seconds, 32, CpuMeter([stack.pid("chat-a")]))
        else:
            sampler = record(stack.pid("chat-b"), seconds, raw)
            plan = FanoutPlan(subscribers, (rate,), seconds, 1)
            await run_ramp(
                f"{reader_url}/events", poster_url, False, plan, SUBSCRIBER_COOKIES,
                CpuMeter([stack.pid("chat-b")]), CpuMeter([stack.pid("chat-a")]),
            )  # fmt: skip
        sampler.wait(timeout=seconds + 60)
    summary = PROFILES / f"{kind}-{server}.txt"
    summary.write_text(rank(raw) + "\n")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.profiling")
    parser.add_argument("kind", choices=("page", "fanout"))
    parser.add_argument("--server", default="uvicorn")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    raise_file_limit()
    pin_self(LOAD_CORE)
    summary = asyncio.run(
        profile(args.kind, args.server, args.seconds, args.subscribers, args.rate)
    )
    sys.stdout.write(summary.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
