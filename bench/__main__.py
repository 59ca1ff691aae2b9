"""``python -m bench [--quick] [--only NAME ...] [--out DIR]``: run, save JSON, plot, report."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.modes import FULL, QUICK, Mode
from bench.proc import LOAD_CORE, pin_self
from bench.sse_load import raise_file_limit
from bench.watchdog import install_stack_dumps, step_deadline

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = (
    "limits",
    "page",
    "cores",
    "servers",
    "fanout",
    "peer",
    "connections",
    "sign_in",
    "account_lookups",
    "rooms",
    "history",
    "overload",
    "typing",
    "files",
    "search",
)

# How long one benchmark may run before the watchdog ends it (bench/watchdog.py): quick mode
# takes 5-65 s per benchmark on a loaded 2-core machine (servers the longest), full mode up
# to about 8 minutes.
STEP_DEADLINE_SECONDS = {"quick": 180.0, "full": 3600.0}

log = logging.getLogger("bench")


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "unknown",
        ),
        "shared_machine": True,
    }


async def run(
    mode: Mode, only: tuple[str, ...], out: Path, deadline: float | None = None
) -> dict[str, Any]:
    from bench import suites

    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any load
    results: dict[str, Any] = {"meta": machine() | {"mode": mode.name}}
    logs = out / "logs"
    for name in only:
        started = time.monotonic()
        log.info("running %s", name)
        async with step_deadline(name, deadline or STEP_DEADLINE_SECONDS[mode.name]):
            result = await getattr(suites, f"bench_{name}")(mode, logs)
        result["seconds"] = round(time.monotonic() - started, 1)
        results[name] = result
        (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "meta.json").write_text(json.dumps(results["meta"], indent=2) + "\n")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny loads: only prove it runs")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--out", type=Path, help="results folder (default bench/results[/quick])")
    parser.add_argument("--no-report", action="store_true", help="skip plots and the doc tables")
    parser.add_argument(
        "--step-deadline", type=float, help="seconds one benchmark may run (default by mode)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    mode = QUICK if args.quick else FULL
    out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    raise_file_limit()
    pin_self(LOAD_CORE)
    install_stack_dumps()
    asyncio.run(run(mode, tuple(args.only), out, args.step_deadline))
    if not args.no_report:
        from bench.report import write_report

        write_report(out, update_doc=not args.quick and args.out is None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
