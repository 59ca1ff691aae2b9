"""The chat page under wrk: a signed-in GET / with the token check cached and Redis warm."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.proc import LOAD_CORE, CpuMeter, pinned

WRK_INSTALL = "apt-get install -y wrk"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class WrkMissingError(RuntimeError):
    """Debian's wrk is not installed (``just bench`` installs it)."""


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if rate is None or p50 is None or p99 is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return {
        "requests_per_s": float(rate.group(1)),
        "p50_ms": round(_ms(p50.group(1)), 3),
        "p99_ms": round(_ms(p99.group(1)), 3),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def viewers_script(cookies: Sequence[str], directory: Path) -> Path:
    """A wrk script sending each request with the next viewer's cookies, round robin."""
    quoted = ",\n".join(f'  "{cookie}"' for cookie in cookies)
    script = directory / "viewers.lua"
    script.write_text(
        f"local cookies = {{\n{quoted}\n}}\nlocal n = 0\n"
        "request = function()\n"
        "  n = n % #cookies + 1\n"
        '  return wrk.format(nil, nil, {["Cookie"] = cookies[n]})\n'
        "end\n"
    )
    return script


def run_wrk(
    url: str,
    cookie: str,
    seconds: float,
    connections: int,
    meter: CpuMeter,
    script: Path | None = None,
    core: int = LOAD_CORE,
) -> dict[str, Any]:
    """``script``: a wrk Lua script that sets each request's cookies (``cookie`` is unused)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkMissingError(f"wrk is not installed: {WRK_INSTALL}")
    cookies = ["-s", str(script)] if script is not None else ["-H", f"Cookie: {cookie}"]
    argv = [
        wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", *cookies, url,
    ]  # fmt: skip
    meter.start()
    done = subprocess.run(
        pinned(argv, core), capture_output=True, text=True, check=True, timeout=seconds + 30
    )
    return parse_wrk(done.stdout) | {"server_cpu_pct": meter.stop()}
