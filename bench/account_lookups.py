"""Issue 28: sign-in, the token check behind every chat request and a password reset
request with 10 accounts stored, then with 10,000 accounts and 100,000 sessions (inserted
in bulk, straight into the database, then indexed by the rebuild as after a Valkey flush).

auth_svc runs for real with ``AUTH_LOOKUP_INDEX=valkey`` (the dev default); sign-ins per
second are set next to raw argon2id verifies of the same run (bench/sign_in.py). With
``database_too`` the same figures come from a second auth_svc reading the database (the
look-ups as before the index), with few samples: on FerretDB each is a scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from auth_svc.lib.tokens import hash_token, new_token
from auth_svc.lookups.write_through import READY_KEY
from bench.modes import Mode
from bench.proc import CpuMeter
from bench.sign_in import PASSWORD, raw_argon2_rate, sign_in_run, start_auth
from bench.stack import SERVICE_SECRET, Stack
from bench.stats import latency_summary, median_and_spread, percentile
from devstack.processes import free_port
from service_kit.events import utc_now
from service_kit.storage.document_store import service_database_name

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SECRET = {"Authorization": f"Bearer {SERVICE_SECRET}"}
BATCH = 2000
REBUILD_POLLS = 3000  # 10 minutes
# chat sends a browser here with the state it bound to that browser; then a hand-off code.
SIGN_IN_FROM_CHAT = "/sign-in?state=" + "s" * 10 + "tate-chat-bound-to-the-browser"
LIMITS_OFF = {
    "AUTH_FORGOT_PASSWORD_PER_IP": "1000000",
    "AUTH_FORGOT_PASSWORD_PER_EMAIL": "1000000",
    "AUTH_FORGOT_PASSWORD_PER_EMAIL_CLIENT": "1000000",
    "AUTH_INTERNAL_REQUESTS_PER_SECOND": "100000",
}


def _summary(timings: list[float]) -> dict[str, float]:
    return latency_summary(timings) | {"p95_ms": round(percentile(timings, 0.95), 3)}


async def seed(mongodb_url: str, accounts: int, sessions: int) -> float:
    """Accounts and live sessions inserted in bulk; the seconds it took."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
    database = client[service_database_name("chat_app", "auth_svc")]
    bench_user = await database["users"].find_one({})
    assert bench_user is not None, "the benchmark account is created first"
    now, started = utc_now(), time.perf_counter()
    users = [
        bench_user | {"_id": f"seeded-{n}", "email": f"seeded-{n}@example.com"}
        for n in range(accounts)
    ]
    for first in range(0, len(users), BATCH):
        await database["users"].insert_many(users[first : first + BATCH])
    for first in range(0, sessions, BATCH):
        await database["sessions"].insert_many(
            {
                "_id": f"seeded-session-{n}",
                "user_id": f"seeded-{n % max(accounts, 1)}",
                "token_hashes": [hash_token(new_token())],
                "handoff_code_hash": None,
                "handoff_expires_at": None,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": now + timedelta(days=14),
                "user_agent": "bench",
                "ip_address": "127.0.0.1",
                "revoked_at": None,
            }
            for n in range(first, min(first + BATCH, sessions))
        )
    await client.close()
    return time.perf_counter() - started


async def rebuild(redis_url: str, internal_url: str) -> float:
    """Mark the index incomplete, have one read start the rebuild, wait for it: seconds."""
    redis = Redis.from_url(redis_url)
    await redis.delete(READY_KEY)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=internal_url, timeout=120, headers=SECRET) as http:
        for poll in range(REBUILD_POLLS):
            if poll % 100 == 0:
                # Starts it (again, should it have given up). The read itself goes to the
                # store, a scan that may pass the socket timeout: its answer does not matter.
                with contextlib.suppress(httpx.HTTPError):
                    await http.post("/internal/token-check", json={"token": "unknown"})
            if await redis.exists(READY_KEY):
                break
            await asyncio.sleep(0.2)
    await redis.aclose()
    return time.perf_counter() - started


async def _token(auth_url: str, internal_url: str) -> tuple[str, float]:
    """chat's access token for the benchmark account (sign in, redeem the hand-off), and
    how long the redemption took (one sample: it writes the session, a scan on FerretDB)."""
    async with httpx.AsyncClient(base_url=auth_url, timeout=120) as http:
        page = await http.get(SIGN_IN_FROM_CHAT)
        match = CSRF.search(page.text)
        assert match is not None
        fields = {"csrf_token": match.group(1), "email": "bench@example.com", "password": PASSWORD}
        answer = await http.post(SIGN_IN_FROM_CHAT, data=fields)
        code = httpx.URL(answer.headers["Location"]).params["code"]
    async with httpx.AsyncClient(base_url=internal_url, timeout=120, headers=SECRET) as http:
        start = time.perf_counter()
        redeemed = await http.post("/internal/handoff/redeem", json={"code": code})
        redeem_ms = (time.perf_counter() - start) * 1000
        token: str = redeemed.json()["access_token"]
    return token, redeem_ms


async def session_checks(internal_url: str, token: str, count: int) -> dict[str, float]:
    timings: list[float] = []
    failed = 0
    async with httpx.AsyncClient(base_url=internal_url, timeout=120, headers=SECRET) as http:
        for _ in range(count):
            start = time.perf_counter()
            answer = await http.post("/internal/token-check", json={"token": token})
            timings.append((time.perf_counter() - start) * 1000)
            failed += answer.status_code != 200 or not answer.json()["valid"]
    return _summary(timings) | {"failed": failed}


async def reset_requests(auth_url: str, count: int) -> dict[str, float]:
    failed = 0
    """The request's answer, and the look-up it runs after answering (the next request
    waits for the previous one's look-up on this one worker), timed together."""
    timings: list[float] = []
    async with httpx.AsyncClient(base_url=auth_url, timeout=120) as http:
        for _ in range(count):
            page = await http.get("/forgot-password")
            match = CSRF.search(page.text)
            assert match is not None
            fields = {"csrf_token": match.group(1), "email": "bench@example.com"}
            start = time.perf_counter()
            answer = await http.post("/forgot-password", data=fields)
            timings.append((time.perf_counter() - start) * 1000)
            failed += answer.status_code != 303
    return _summary(timings) | {"failed": failed}


async def _figures(
    stack: Stack, urls: tuple[str, str], pid: int, mode: Mode, samples: int
) -> dict[str, Any]:
    auth_url, internal_url = urls
    token, redeem_ms = await _token(auth_url, internal_url)
    checks = await session_checks(internal_url, token, samples)
    resets = await reset_requests(auth_url, max(3, samples // 10))
    runs = [
        await sign_in_run(
            auth_url, mode.sign_in_seconds, CpuMeter([pid]), CpuMeter(stack.infrastructure_pids())
        )
        for _ in range(mode.repeats)
    ]
    return {
        "session_check": checks,
        "reset_request": resets,
        "sign_in": median_and_spread(runs),
        "handoff_redeem_ms": round(redeem_ms, 1),
    }


async def _start(
    stack: Stack, kind: str, name: str, account: bool = True
) -> tuple[tuple[str, str], int]:
    internal_port = free_port()
    env = LIMITS_OFF | {"AUTH_LOOKUP_INDEX": kind, "AUTH_INTERNAL_PORT": str(internal_port)}
    auth_url, pid = await start_auth(stack, env, name=name, account=account)
    return (auth_url, f"http://127.0.0.1:{internal_port}"), pid


async def measure(stack: Stack, mode: Mode, accounts: int, sessions: int) -> dict[str, Any]:
    urls, pid = await _start(stack, "valkey", "auth")
    samples = 200 if mode.repeats > 1 else 20
    result: dict[str, Any] = {"small": await _figures(stack, urls, pid, mode, samples)}
    seconds = await seed(stack.mongodb_url, accounts, sessions)
    result["seeded"] = {"accounts": accounts, "sessions": sessions, "seconds": round(seconds, 1)}
    result["rebuild_seconds"] = round(await rebuild(stack.redis_url, urls[1]), 1)
    result["large"] = await _figures(stack, urls, pid, mode, samples)
    if mode.name == "full":  # the same store read as before the index: a few samples
        stack.group.stop(next(c for c in stack.group.children if c.name == "auth"))
        urls, pid = await _start(stack, "database", "auth-database", account=False)
        single = replace(mode, repeats=1)
        try:
            result["large_database_index"] = await _figures(stack, urls, pid, single, 5)
        except (httpx.HTTPError, KeyError) as error:  # a scan past the socket timeout
            result["large_database_index"] = {"error": f"{type(error).__name__}: {error}"}
    raw = [raw_argon2_rate(max(1.0, mode.sign_in_seconds / 2)) for _ in range(mode.repeats)]
    argon2 = median_and_spread(raw)
    result["raw_argon2id"] = argon2
    for size in ("small", "large"):
        rate = result[size]["sign_in"]["sign_ins_per_s"]
        result[size]["share_of_raw_rate"] = round(rate / argon2["verifies_per_s"], 3)
    return result
