"""Where a server spends its time under load: py-spy samples it, we rank the frames.

``python -m bench.profiling page|fanout|sign_in [--server uvicorn]`` drives the same load as the
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

from bench import sign_in
from bench.fanout import FanoutPlan, run_ramp
from bench.page import run_wrk
from bench.proc import CLOCK_TICKS, LOAD_CORE, CpuMeter, pin_self
from bench.sse_load import raise_file_limit
from bench.stack import Stack, running_stack
from bench.suites import SUBSCRIBER_COOKIES, _store_history, _warm_page

CORE_NEIGHBOURS = ("chat-a", "nats", "valkey", "ferretdb")
PROFILES = Path(__file__).resolve().parent / "results" / "profiles"


def record(pid: int, seconds: float, raw: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).parent / "py-spy"
    argv = [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds)),
            "--format", "raw", "--rate", "200", "--output", str(raw), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of one process."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


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


async def profile_sign_in(stack: Stack, seconds: float, raw: Path) -> None:
    """auth_svc under closed-loop sign-ins; logs the CPU per sign-in of each process, and of
    auth's event loop apart from its hashing threads (py-spy counts wall time: a write that
    wakes the database on the same core looks expensive there but costs auth nothing)."""
    auth_url, pid = await sign_in.start_auth(stack)
    sampler = record(pid, seconds, raw)
    meters = CpuMeter([pid]), CpuMeter(stack.infrastructure_pids())
    each = {name: CpuMeter(stack.pids_of(name)) for name in ("nats", "valkey", "ferretdb")}
    for meter in each.values():
        meter.start()
    threads_before = thread_cpu_seconds(pid)
    result = await sign_in.sign_in_run(auth_url, seconds, *meters)
    count = result["sign_ins_per_s"] * seconds
    split = {name: round(10 * m.stop() / result["sign_ins_per_s"], 2) for name, m in each.items()}
    used = {t: cpu - threads_before.get(t, 0.0) for t, cpu in thread_cpu_seconds(pid).items()}
    split["auth event loop"] = round(1000 * used.pop(pid, 0.0) / count, 2)
    split["auth other threads"] = round(1000 * sum(used.values()) / count, 2)
    logging.info("sign-in run: %s; CPU ms per sign-in: %s", result, split)
    sampler.wait(timeout=seconds + 60)


async def profile(
    kind: str, server: str, seconds: float, subscribers: int, rate: float, stored: int
) -> Path:
    PROFILES.mkdir(parents=True, exist_ok=True)
    raw = PROFILES / f"{kind}-{server}.raw"
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        if kind == "sign_in":
            await profile_sign_in(stack, seconds, raw)
            summary = PROFILES / f"{kind}-{server}.txt"
            summary.write_text(rank(raw) + "\n")
            return summary
        if kind == "one_replica":
            # As the ratio rows measure it: one replica posting and streaming, history stored.
            url = stack.start_chat("chat-a", server)
            await _store_history(stack, stored)
            sampler = record(stack.pid("chat-a"), seconds, raw)
            plan = FanoutPlan(subscribers, (rate,), seconds, 1)
            meter = CpuMeter([stack.pid("chat-a")])
            # Each server on the replica's core, over the whole ramp (streams opening too).
            each = {name: CpuMeter(stack.pids_of(name)) for name in CORE_NEIGHBOURS}
            for neighbour in each.values():
                neighbour.start()
            result = await run_ramp(
                f"{url}/events", url, False, plan, SUBSCRIBER_COOKIES, meter,
                CpuMeter(stack.infrastructure_pids()),
            )  # fmt: skip
            step = result["steps"][0]
            shares = {name: m.stop() for name, m in each.items()}
            logging.info("step: %s; %% of a core over the ramp: %s", step, shares)
            sampler.wait(timeout=seconds + 60)
            summary = PROFILES / f"{kind}-{server}-{rate:g}-per-s-{subscribers}-streams.txt"
            summary.write_text(rank(raw) + "\n")
            return summary
        poster_url = stack.start_chat("chat-a", server)
        reader_url = stack.start_chat("chat-b", server)
        cookie = await _warm_page(poster_url)
        if kind == "page":
            sampler = record(stack.pid("chat-a"), seconds, raw)
            run_wrk(
                f"{poster_url}/rooms/general",
                cookie,
                seconds,
                32,
                CpuMeter([stack.pid("chat-a")]),
            )
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
    parser.add_argument("kind", choices=("page", "fanout", "one_replica", "sign_in"))
    parser.add_argument("--server", default="uvicorn")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--stored", type=int, default=100_000, help="one_replica's history")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    raise_file_limit()
    pin_self(LOAD_CORE)
    summary = asyncio.run(
        profile(args.kind, args.server, args.seconds, args.subscribers, args.rate, args.stored)
    )
    sys.stdout.write(summary.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
