"""CPU time and memory of a process and its children, read from /proc (Linux only)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SERVER_CORE = 0
LOAD_CORE = 1


def pinned(argv: list[str], core: int) -> list[str]:
    """``argv`` run on one core only, so servers and load generators never share a core."""
    return ["taskset", "--cpu-list", str(core), *argv]


def pin_self(core: int) -> None:
    os.sched_setaffinity(0, {core})


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found.extend(int(c) for c in children.read_text().split())
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and every descendant (Granian, for example, serves from a child process)."""
    tree, queue = [], [pid]
    while queue:
        current = queue.pop()
        tree.append(current)
        try:
            queue.extend(_children(current))
        except OSError:
            continue
    return tree


def cpu_seconds(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            resident = int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except OSError:
            continue
        total += resident * PAGE_BYTES
    return total


@dataclass
class CpuMeter:
    """Share of one core used by some processes between ``start()`` and ``stop()``."""

    pids: list[int]
    _cpu: float = 0.0
    _wall: float = 0.0

    def start(self) -> None:
        self._cpu = sum(cpu_seconds(pid) for pid in self.pids)
        self._wall = time.monotonic()

    def stop(self) -> float:
        used = sum(cpu_seconds(pid) for pid in self.pids) - self._cpu
        elapsed = max(time.monotonic() - self._wall, 1e-9)
        return round(100 * used / elapsed, 1)
