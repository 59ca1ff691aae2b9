"""Each benchmark as one coroutine: start its processes, measure, return a JSON-able dict."""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench import (
    account_lookups,
    files,
    history,
    limits,
    overload,
    ratios,
    rooms,
    search,
    sign_in,
    typing_load,
)
from bench.fanout import run_ramp
from bench.history_curve import Filler
from bench.modes import Mode
from bench.page import WrkMissingError, run_wrk, viewers_script
from bench.proc import LOAD_CORE, SERVER_CORE, CpuMeter, rss_bytes
from bench.publisher import ChatPoster, publish_open_loop
from bench.sse_load import SseCrowd
from bench.stack import ASGI_SERVERS, Stack, running_stack
from bench.stats import latency_summary, median_and_spread

log = logging.getLogger(__name__)

SUBSCRIBER_COOKIES = [f"chat_session=bench-reader{n}" for n in range(20)]
PAGE_COOKIE = "chat_session=bench-page"


async def bench_limits(mode: Mode, logs: Path) -> dict[str, Any]:
    with running_stack(logs) as stack:
        return await limits.measure_floor(stack, mode.limit_samples)


async def _warm_page(url: str) -> str:
    """A full page of messages cached in Redis; returns the cookies a signed-in browser
    sends back: the session and the form session its first page set (a browser keeps it;
    without it every request would mint and sign a new CSRF session)."""
    poster = ChatPoster(url)
    await poster.prepare()
    for seq in range(12):
        await poster.post(-1 - seq, time.time())
    await poster.close()
    async with httpx.AsyncClient(cookies={"chat_session": "bench-page"}) as http:
        (await http.get(f"{url}/rooms/general")).raise_for_status()
        form_session = http.cookies.get("chat_form_session")
    return f"{PAGE_COOKIE}; chat_form_session={form_session}" if form_session else PAGE_COOKIE


async def _warm_viewers(url: str, cookie: str, count: int) -> list[str]:
    """``count`` people, each with their own session (and the form session of ``cookie``:
    it is not tied to a person), each page opened once (chat learns the person, they join
    general); the cookies their browsers send."""
    form_session = cookie.partition("; ")[2]
    cookies = [f"chat_session=bench-viewer{n}; {form_session}".rstrip("; ") for n in range(count)]
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=30) as http:

        async def open_page(each: str) -> None:
            async with gate:
                page = await http.get(f"{url}/rooms/general", headers={"Cookie": each})
                page.raise_for_status()

        await asyncio.gather(*(open_page(each) for each in cookies))
    return cookies


def _page(
    stack: Stack,
    url: str,
    mode: Mode,
    name: str,
    path: str = "/rooms/general",
    cookie: str = PAGE_COOKIE,
    script: Path | None = None,
) -> dict[str, Any]:
    runs = []
    for _ in range(mode.repeats):
        meter = CpuMeter([stack.pid(name)])
        runs.append(
            run_wrk(f"{url}{path}", cookie, mode.page_seconds, mode.page_connections, meter, script)
        )
    return median_and_spread(runs) | {"connections": mode.page_connections}


async def _graceful_shutdown(stack: Stack, name: str, events_url: str) -> dict[str, Any]:
    """SIGTERM with streams open: the server must end them and exit cleanly, in time."""
    crowd = SseCrowd()
    await crowd.open(events_url, 20, SUBSCRIBER_COOKIES)
    started = time.monotonic()
    exit_code = await asyncio.to_thread(stack.stop, name)
    seconds = time.monotonic() - started
    await asyncio.sleep(0.2)
    closed = sum(stream.closed for stream in crowd.streams)
    crowd.close()
    return {
        "exit_code": exit_code,
        "seconds": round(seconds, 2),
        "streams_closed": f"{closed}/{len(crowd.streams)}",
    }


async def bench_servers(mode: Mode, logs: Path) -> dict[str, Any]:
    """The chat page and the fan-out under each ASGI server."""
    results: dict[str, Any] = {}
    with running_stack(logs / "servers") as stack:
        for server in ASGI_SERVERS:
            poster_url, reader_url = stack.start_chats(["chat-a", "chat-b"], server)
            cookie = await _warm_page(poster_url)
            try:
                page: dict[str, Any] = _page(stack, poster_url, mode, "chat-a", cookie=cookie)
                # The same app's smallest Quart answer: the framework's own ceiling here.
                bare = _page(stack, poster_url, mode, "chat-a", "/healthz", cookie=cookie)
            except WrkMissingError as error:
                page = bare = {"skipped": str(error)}
            fanout = await run_ramp(
                f"{reader_url}/events",
                poster_url,
                False,
                mode.fanout,
                SUBSCRIBER_COOKIES,
                CpuMeter([stack.pid("chat-b")]),
                CpuMeter([*stack.infrastructure_pids(), stack.pid("chat-a")]),
            )
            shutdown = await _graceful_shutdown(stack, "chat-b", f"{reader_url}/events")
            results[server] = {
                "page": page,
                "healthz": bare,
                "fanout": fanout,
                "shutdown": shutdown,
            }
            log.info("%s: page %s, shutdown %s", server, page, shutdown)
            stack.stop("chat-a")
    return results


async def bench_fanout(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 15's fan-out figures, uvicorn only. ``one_replica``: one chat process takes the
    POSTs and serves the 1,000 streams (post to delivery). ``alone``: the events are
    published straight to NATS, so the stream process's CPU is the fan-out's own (render,
    frame, write), and deliveries per CPU-second are the fan-out's cost. Each on a fresh
    stack: the second publishes its own ids from 1."""
    results: dict[str, Any] = {"server": "uvicorn"}
    with running_stack(logs / "fanout-one-replica") as stack:
        url = stack.start_chat("chat-a")
        # The room holds a year's history (issue 28): the streams' start-up reads and the
        # posts must not depend on its size. (``alone`` publishes its own ids from 1.)
        results["stored_in_room"] = await _store_history(stack, mode.stored_history)
        results["one_replica"] = await run_ramp(
            f"{url}/events",
            url,
            False,
            mode.one_replica,
            SUBSCRIBER_COOKIES,
            CpuMeter([stack.pid("chat-a")]),
            CpuMeter(stack.infrastructure_pids()),
            lambda: ratios.measure_floor(
                stack, url, mode.one_replica.subscribers, max(20, mode.limit_samples // 50)
            ),
        )
        results["ratios"] = ratios.as_json(results["one_replica"])
    with running_stack(logs / "fanout-alone") as stack:
        url = stack.start_chat("chat-a")
        results["alone"] = await run_ramp(
            f"{url}/events",
            stack.nats_url,
            False,
            mode.fanout_alone,
            SUBSCRIBER_COOKIES,
            CpuMeter([stack.pid("chat-a")]),
            CpuMeter(stack.infrastructure_pids()),
        )
    return results


async def _store_history(stack: Stack, count: int) -> dict[str, Any]:
    """``count`` messages in general, in the store and the history index, as chat stores
    them; the next post follows them."""
    filler = Filler(stack.mongodb_url, stack.redis_url)
    started = time.monotonic()
    try:
        await filler.messages("general", 1, count)
    finally:
        await filler.close()
    return {"messages": count, "seconds": round(time.monotonic() - started, 1)}


async def bench_page(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 15's two request targets on uvicorn alone: the signed-in room page next to
    the same process's bare ``/healthz``, then POST latency at 20 msg/s with 1,000
    subscribers on the same core (the first step of the fan-out ramp)."""
    with running_stack(logs / "page") as stack:
        poster_url, reader_url = stack.start_chats(["chat-a", "chat-b"])
        cookie = await _warm_page(poster_url)
        try:
            page: dict[str, Any] = _page(stack, poster_url, mode, "chat-a", cookie=cookie)
            bare = _page(stack, poster_url, mode, "chat-a", "/healthz", cookie=cookie)
            # Nothing per person is then cached from a previous request of the same person.
            viewers = await _warm_viewers(poster_url, cookie, mode.page_viewers)
            script = viewers_script(viewers, logs)
            many = _page(stack, poster_url, mode, "chat-a", script=script)
            many["viewers"] = mode.page_viewers
        except WrkMissingError as error:
            page = bare = many = {"skipped": str(error)}
        log.info("page %s, healthz %s, %s viewers %s", page, bare, mode.page_viewers, many)
        plan = replace(mode.fanout, rates=mode.fanout.rates[:1])
        try:
            posting = await run_ramp(
                f"{reader_url}/events",
                poster_url,
                False,
                plan,
                SUBSCRIBER_COOKIES,
                CpuMeter([stack.pid("chat-b")]),
                CpuMeter([*stack.infrastructure_pids(), stack.pid("chat-a")]),
            )
        except ConnectionError as error:  # e.g. streams refused while opening: a finding
            posting = {"failed": str(error)}
    return {
        "server": "uvicorn",
        "page": page,
        "healthz": bare,
        "page_viewers": many,
        "posting": posting,
    }


async def _pages_at_once(
    stack: Stack, replicas: list[tuple[str, str, int]], cookie: str, mode: Mode
) -> dict[str, Any]:
    """wrk on each (url, name, core) at once; pages per CPU-second of the chat processes
    together, and the shared Valkey's CPU per 1,000 pages."""
    valkey = CpuMeter(stack.pids_of("valkey"))
    valkey.start()
    runs = await asyncio.gather(
        *(
            asyncio.to_thread(
                run_wrk,
                f"{url}/rooms/general",
                cookie,
                mode.page_seconds,
                mode.page_connections,
                CpuMeter([stack.pid(name)]),
                None,
                core,
            )
            for url, name, core in replicas
        )
    )
    valkey_pct = valkey.stop()
    pages = sum(run["requests_per_s"] for run in runs)
    chat_cores = sum(run["server_cpu_pct"] for run in runs) / 100
    return {
        "requests_per_s": round(pages, 1),
        "chat_cpu_pct": [run["server_cpu_pct"] for run in runs],
        "per_cpu_second": round(pages / max(chat_cores, 0.01), 1),
        "valkey_cpu_ms_per_1000": round(valkey_pct * 10 / max(pages, 1) * 1000, 1),
        "p99_ms": max(run["p99_ms"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
    }


async def bench_cores(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 15: do the page and the fan-out scale with cores? One chat process, then two
    on two cores (this machine has only two, so each shares its core with load). Each
    process's pages and deliveries per CPU-second should stay put; Valkey is shared."""
    with running_stack(logs / "cores") as stack:
        url_a, url_b = stack.start_chats(["chat-a", "chat-b"], cores=[SERVER_CORE, LOAD_CORE])
        try:
            results = await _page_on_cores(stack, url_a, url_b, mode)
        except WrkMissingError as error:
            results = {"skipped": str(error)}
        # The same streams held by one process, then split between the two; published
        # straight to NATS, so each process's CPU is its fan-out's own.
        for key, urls, names in (
            ("fanout_one_process", (url_a,), ["chat-a"]),
            ("fanout_two_processes", (url_a, url_b), ["chat-a", "chat-b"]),
        ):
            results[key] = await run_ramp(
                tuple(f"{url}/events" for url in urls),
                stack.nats_url,
                False,
                mode.fanout_cores,
                SUBSCRIBER_COOKIES,
                CpuMeter([stack.pid(name) for name in names]),
                CpuMeter(stack.infrastructure_pids()),
            )
    return results


async def _page_on_cores(stack: Stack, url_a: str, url_b: str, mode: Mode) -> dict[str, Any]:
    """The room page on chat-a (its wrk on the other core), then on both processes, each
    loaded by its own wrk on the other's core."""
    cookie = await _warm_page(url_a)
    one, two = [], []
    for _ in range(mode.repeats):
        one.append(await _pages_at_once(stack, [(url_a, "chat-a", LOAD_CORE)], cookie, mode))
        both = [(url_a, "chat-a", LOAD_CORE), (url_b, "chat-b", SERVER_CORE)]
        two.append(await _pages_at_once(stack, both, cookie, mode))
    keys = ("requests_per_s", "per_cpu_second", "valkey_cpu_ms_per_1000", "p99_ms", "non_2xx")

    def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
        found = median_and_spread([{k: run[k] for k in keys} for run in runs])
        return found | {"chat_cpu_pct": runs[len(runs) // 2]["chat_cpu_pct"]}

    return {"one_process": summary(one), "two_processes": summary(two)}


async def bench_peer(mode: Mode, logs: Path) -> dict[str, Any]:
    """Starlette + sse-starlette + Redis pub/sub under uvicorn, the same workload."""
    with running_stack(logs / "peer") as stack:
        poster_url = stack.start_peer("peer-a")
        reader_url = stack.start_peer("peer-b")
        fanout = await run_ramp(
            f"{reader_url}/events",
            poster_url,
            True,
            mode.fanout,
            ["x=1"],
            CpuMeter([stack.pid("peer-b")]),
            CpuMeter([*stack.infrastructure_pids(), stack.pid("peer-a")]),
        )
    return {"server": "uvicorn", "fanout": fanout}


async def _probe_health(url: str, samples: int = 50) -> dict[str, float]:
    timings = []
    async with httpx.AsyncClient() as http:
        for _ in range(samples):
            start = time.perf_counter()
            (await http.get(f"{url}/healthz")).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
    return latency_summary(timings)


async def bench_connections(mode: Mode, logs: Path) -> dict[str, Any]:
    """Idle streams on one chat process: memory each, and how healthy its loop stays."""
    levels: list[dict[str, Any]] = []
    with running_stack(logs / "connections") as stack:
        url = stack.start_chat("chat-idle")
        pid = stack.pid("chat-idle")
        poster = ChatPoster(url)
        await poster.prepare()
        crowd = SseCrowd()
        await crowd.open(f"{url}/events", 10, SUBSCRIBER_COOKIES)  # warm every code path
        crowd.close()
        await asyncio.sleep(1.0)
        baseline = rss_bytes(pid)
        crowd = SseCrowd()
        for seq, level in enumerate(mode.idle_levels):
            started = time.monotonic()
            await crowd.open(f"{url}/events", level - len(crowd.streams), SUBSCRIBER_COOKIES)
            open_seconds = time.monotonic() - started
            await asyncio.sleep(1.0)
            rss = rss_bytes(pid)
            health = await _probe_health(url)
            crowd.reset()
            meter = CpuMeter([pid])
            meter.start()
            published = await publish_open_loop(poster, 1.0, 1, seq)
            reached = await crowd.wait_for(1, patience=30)
            crowd.parse()
            arrivals = [s.arrivals[0] for s in crowd.streams if s.arrivals]
            due = published.scheduled[seq]
            levels.append(
                {
                    "clients": level,
                    "rss_mb": round(rss / 2**20, 1),
                    "kb_per_client": round((rss - baseline) / level / 1024, 2),
                    "open_seconds": round(open_seconds, 2),
                    "healthz": health,
                    "broadcast_all_ms": round((max(arrivals) - due) * 1000, 1) if reached else None,
                    "broadcast_median_ms": round((statistics.median(arrivals) - due) * 1000, 1),
                    "broadcast_cpu_pct": meter.stop(),
                    "all_reached": reached,
                }
            )
            log.info("idle streams: %s", levels[-1])
        crowd.close()
        await poster.close()
    return {"baseline_rss_mb": round(baseline / 2**20, 1), "levels": levels}


async def bench_sign_in(mode: Mode, logs: Path) -> dict[str, Any]:
    with running_stack(logs / "sign_in") as stack:
        return await sign_in.measure(stack, mode)


async def bench_account_lookups(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 28: accounts at 10 and at 10,000 (+ 100,000 sessions); --quick at 200/2,000."""
    sizes = (10_000, 100_000) if mode.name == "full" else (200, 2_000)
    with running_stack(logs / "account_lookups") as stack:
        return await account_lookups.measure(stack, mode, *sizes)


async def bench_history(mode: Mode, logs: Path) -> dict[str, Any]:
    with running_stack(logs / "history") as stack:
        return await history.measure(stack, mode.stored_history, mode.history_posts, mode.repeats)


async def bench_search(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 32: search on 1,000,000 generated messages (bench/search.py)."""
    with running_stack(logs / "search") as stack:
        return await search.measure(stack, mode.name, stack.search_index_dir.parent)


async def bench_rooms(mode: Mode, logs: Path) -> dict[str, Any]:
    """100 rooms of 10 subscribers at 100 msg/s in total, next to one room of 1,000."""
    with running_stack(logs / "rooms") as stack:
        poster_url, reader_url = stack.start_chats(["chat-a", "chat-b"])
        for url in (poster_url, reader_url):
            await rooms.warm(url)
        return await rooms.measure_rooms(
            poster_url,
            reader_url,
            mode.rooms,
            CpuMeter([stack.pid("chat-b")]),
            SUBSCRIBER_COOKIES,
        )


async def bench_typing(mode: Mode, logs: Path) -> dict[str, Any]:
    """The fan-out of general with and without people typing (issue 14's budget)."""
    with running_stack(logs / "typing") as stack:
        poster_url, reader_url = stack.start_chats(["chat-a", "chat-b"])
        for url in (poster_url, reader_url):
            await rooms.warm(url)
        return await typing_load.measure_typing(
            poster_url,
            reader_url,
            mode.typing,
            CpuMeter([stack.pid("chat-b")]),
            SUBSCRIBER_COOKIES,
        )


async def bench_overload(mode: Mode, logs: Path) -> dict[str, Any]:
    with running_stack(logs / "overload") as stack:
        return await overload.measure(stack, mode.overload_seconds)


async def bench_files(mode: Mode, logs: Path) -> dict[str, Any]:
    """Issue 31: uploads against the store itself, thumbnail latency, thumbnails served."""
    quick = mode.name == "quick"
    with running_stack(logs / "files") as stack, tempfile.TemporaryDirectory() as data:
        files_dir = Path(data) / "files"
        url = _files_replica(stack, "chat-files", {"CHAT_FILES_DIR": str(files_dir)})
        async with _publisher(url) as http:
            store, page_cache = files.disk_stores(files_dir)
            repeats = 1 if quick else mode.repeats
            upload = await files.upload_throughput(http, store, repeats, page_cache)
            # --quick only proves it runs: a small photo, not a 12 MP one.
            size = (800, 600) if quick else files.PHOTO_12MP
            thumbnail = await files.thumbnail_latency(http, 2 if quick else 20, size)
            served = await files.download_rate(
                http, thumbnail["thumbnail_url"], 1.0 if quick else 5.0, 1 if quick else 3
            )
        s3_upload = await _s3_uploads(stack, Path(data) / "s3", repeats)
        return {
            "upload": upload,
            "thumbnail": thumbnail,
            "download": served,
            "s3_upload": s3_upload,
        }


async def _s3_uploads(stack: Stack, data_dir: Path, repeats: int) -> dict[str, Any]:
    """The same upload figure with the files on S3 (SeaweedFS): a replica of its own."""
    settings = files.start_s3(stack.group, data_dir)
    url = _files_replica(stack, "chat-files-s3", settings)
    async with _publisher(url) as http:
        return await files.upload_throughput(http, files.s3_store(settings), repeats)


def _files_replica(stack: Stack, name: str, store_settings: dict[str, str]) -> str:
    """A chat replica on the given store, without the upload limits (one bench uploader)."""
    settings = store_settings | {
        "CHAT_UPLOAD_RATE_COUNT": "1000000",
        "CHAT_UPLOAD_QUOTA_MB": "1000000",
    }
    os.environ.update(settings)  # the replica inherits them
    try:
        return stack.start_chat(name)
    finally:
        for setting in settings:
            os.environ.pop(setting)


def _publisher(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, cookies={"chat_session": "bench-publisher"}, timeout=120)
