"""Sign-in throughput next to the raw argon2id rate with the same parameters.

auth_svc runs for real (its own process on the server core); one account is created the
way a person would (sign-up, the set-password link read from the SignUpRequested event on
NATS, set password), then a few browsers sign in in a closed loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from typing import Any

import httpx
from nats.aio.msg import Msg

from auth_svc.settings import AuthSettings
from bench.modes import Mode
from bench.proc import SERVER_CORE, CpuMeter, pinned
from bench.stack import SERVICE_SECRET, Stack, asgi_command
from bench.stats import latency_summary, median_and_spread
from devstack.processes import free_port, http_probe
from service_kit.events import SignUpRequested
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import dev_admin_options
from service_kit.people.sealed_links import LinkSeal, link_in

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a benchmark account
EMAIL = "bench@example.com"
BROWSERS = 4  # concurrent sign-ins: more than the 2 argon2 slots, so the hasher never idles

RAW_ARGON2 = """
import json, sys, time
from argon2 import PasswordHasher, Type
memory, passes, lanes, seconds = (int(a) for a in sys.argv[1:5])
hasher = PasswordHasher(time_cost=passes, memory_cost=memory, parallelism=lanes, type=Type.ID)
stored = hasher.hash("correct horse battery staple 42")
count, start, cpu = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - start < seconds:
    hasher.verify(stored, "correct horse battery staple 42")
    count += 1
print(json.dumps({
    "verifies_per_s": count / (time.perf_counter() - start),
    "cpu_ms_per_verify": 1000 * (time.process_time() - cpu) / count,
}))
"""


def raw_argon2_rate(seconds: float) -> dict[str, Any]:
    """argon2id verifies per second, one thread on the server core, auth_svc's parameters."""
    defaults = AuthSettings()
    params = [defaults.argon2_memory_cost, defaults.argon2_time_cost, defaults.argon2_parallelism]
    argv = [sys.executable, "-c", RAW_ARGON2, *(str(p) for p in params), str(int(seconds))]
    done = subprocess.run(
        pinned(argv, SERVER_CORE), capture_output=True, text=True, check=True, timeout=120
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result | {"memory_kib": params[0], "passes": params[1], "lanes": params[2]}


async def _form_post(http: httpx.AsyncClient, page: str, fields: dict[str, str]) -> httpx.Response:
    form_page = await http.get(page)
    match = CSRF.search(form_page.text)
    if match is None:
        raise RuntimeError(f"no CSRF token on {page}")
    return await http.post(page, data={"csrf_token": match.group(1), **fields})


async def create_account(stack: Stack, auth_url: str) -> None:
    nc = await connect_nats(stack.nats_url, "bench-sign-up", **dev_admin_options())
    links: asyncio.Queue[str] = asyncio.Queue()

    async def on_sign_up(msg: Msg) -> None:
        event = SignUpRequested.model_validate_json(msg.data)
        links.put_nowait(link_in(event, LinkSeal(AuthSettings().link_seal_key)))

    await nc.subscribe(SignUpRequested.SUBJECT, cb=on_sign_up)
    await nc.flush()
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as http:
        answer = await _form_post(http, "/sign-up", {"email": EMAIL, "display_name": "Bench"})
        if answer.status_code != 303:
            raise RuntimeError(f"sign-up answered {answer.status_code}")
        link = await asyncio.wait_for(links.get(), 30)
        path = link.removeprefix(auth_url)
        fields = {"password": PASSWORD, "confirm_password": PASSWORD}
        answer = await _form_post(http, path, fields)
        # Setting the password signs in: a 303 on to chat's hand-off.
        if answer.status_code != 303:
            raise RuntimeError(f"set-password answered {answer.status_code}")
    await nc.close()


async def _browser(auth_url: str, until: float, timings: list[float]) -> int:
    failures = 0
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as http:
        while time.monotonic() < until:
            # Each sign-in replaces the CSRF secret (issue 16): a fresh form, untimed.
            page = await http.get("/sign-in")
            match = CSRF.search(page.text)
            assert match is not None
            fields = {"csrf_token": match.group(1), "email": EMAIL, "password": PASSWORD}
            start = time.perf_counter()
            answer = await http.post("/sign-in", data=fields)
            timings.append((time.perf_counter() - start) * 1000)
            failures += answer.status_code != 303
    return failures


async def sign_in_run(
    auth_url: str, seconds: float, meter: CpuMeter, infrastructure: CpuMeter
) -> dict[str, Any]:
    """A closed loop of sign-ins. CPU per sign-in (auth_svc's, and the database's, Valkey's
    and NATS' on the same core) is the figure a noisy neighbour disturbs least."""
    timings: list[float] = []
    meter.start()
    infrastructure.start()
    started = time.monotonic()
    failures = await asyncio.gather(
        *(_browser(auth_url, started + seconds, timings) for _ in range(BROWSERS))
    )
    elapsed = time.monotonic() - started
    auth_pct, infrastructure_pct = meter.stop(), infrastructure.stop()
    per_s = len(timings) / elapsed
    return {
        "sign_ins_per_s": round(per_s, 2),
        **latency_summary(timings),
        "failed": sum(failures),
        "server_cpu_pct": auth_pct,
        "auth_cpu_ms_per_sign_in": round(10 * auth_pct / per_s, 2),
        "infrastructure_cpu_ms_per_sign_in": round(10 * infrastructure_pct / per_s, 2),
    }


async def start_auth(
    stack: Stack, extra_env: dict[str, str] | None = None, name: str = "auth", account: bool = True
) -> tuple[str, int]:
    """auth_svc on the server core with one account ready; its URL and process id."""
    port = free_port()
    auth_url = f"http://127.0.0.1:{port}"
    process = stack.group.start(
        name,
        pinned(asgi_command("uvicorn", "auth_svc.asgi:app", port), SERVER_CORE),
        env={
            "APP_ENV": "development",
            "NATS_URL": stack.nats_url,
            "REDIS_URL": stack.redis_url,
            "MONGODB_URL": stack.mongodb_url,
            "SERVICE_SECRET": SERVICE_SECRET,
            "LOG_LEVEL": "WARNING",
            "AUTH_PUBLIC_URL": auth_url,
            # The benchmark signs in one account many times a second, from one address.
            "AUTH_SIGN_IN_PER_IP": "1000000",
            "AUTH_SIGN_IN_PER_ACCOUNT": "1000000",
            "AUTH_SIGN_IN_PER_ACCOUNT_CLIENT": "1000000",
        }
        | (extra_env or {}),
        ready=http_probe(f"{auth_url}/readyz"),
        timeout=60,
    )
    if account:
        await create_account(stack, auth_url)
    return auth_url, process.process.pid


async def measure(stack: Stack, mode: Mode) -> dict[str, Any]:
    auth_url, pid = await start_auth(stack)
    runs = [
        await sign_in_run(
            auth_url,
            mode.sign_in_seconds,
            CpuMeter([pid]),
            CpuMeter(stack.infrastructure_pids()),
        )
        for _ in range(mode.repeats)
    ]
    raw = [raw_argon2_rate(max(1.0, mode.sign_in_seconds / 2)) for _ in range(mode.repeats)]
    sign_ins = median_and_spread(runs)
    argon2 = median_and_spread(raw) | {k: raw[0][k] for k in ("memory_kib", "passes", "lanes")}
    server_cpu_ms = (
        sign_ins["auth_cpu_ms_per_sign_in"] + sign_ins["infrastructure_cpu_ms_per_sign_in"]
    )
    return {
        "browsers": BROWSERS,
        "sign_in": sign_ins,
        "raw_argon2id": argon2,
        "share_of_raw_rate": round(sign_ins["sign_ins_per_s"] / argon2["verifies_per_s"], 3),
        # The same share from CPU time, which a busy neighbour barely moves: one verify's CPU
        # over the server core's CPU per sign-in (auth_svc, database, Valkey, NATS).
        "share_of_raw_cpu": round(argon2["cpu_ms_per_verify"] / server_cpu_ms, 3),
    }
