"""Issue 31's numbers: a 20 MB upload through the app against the same bytes written to the
same store directly; the time from a 12 MP photo's upload to its thumbnail; and cached
thumbnails served per second against a static file of the same server."""

from __future__ import annotations

import asyncio
import io
import os
import re
import secrets
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from bench.publisher import CSRF
from bench.stats import median_and_spread, percentile
from chat_svc.files.storage.object_store import ObjectStore, local_object_store, s3_object_store
from devstack.processes import ProcessGroup, free_port, http_probe
from devstack.servers import S3_BUCKET, S3_REGION, SeaweedPorts, seaweedfs_command

MB = 1024 * 1024
S3_KEY_ID = "bench"
THUMBNAIL_URL = re.compile(r'<img src="(/files/[^"]+/thumbnail)"')


PHOTO_12MP = (4000, 3000)


def photo(size: tuple[int, int] = PHOTO_12MP) -> bytes:
    """A JPEG with detail (noise); 12 MP is the size of a phone's photo."""
    noise = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _csrf(http: httpx.AsyncClient) -> str:
    page = await http.get("/rooms/general")
    page.raise_for_status()
    found = CSRF.search(page.text)
    if found is None:
        raise RuntimeError("no CSRF token on the chat page")
    return found.group(1)


async def _upload(http: httpx.AsyncClient, csrf: str, name: str, data: bytes) -> float:
    started = time.perf_counter()
    answer = await http.post(
        "/rooms/general/messages",
        data={"csrf_token": csrf, "body": ""},
        files=[("files", (name, data, "application/octet-stream"))],
    )
    if answer.status_code != 303:
        raise RuntimeError(f"upload answered {answer.status_code}")
    return time.perf_counter() - started


async def upload_throughput(
    http: httpx.AsyncClient, store: ObjectStore, repeats: int, page_cache: ObjectStore | None = None
) -> dict[str, Any]:
    """Through the app against ``store`` directly (the app's own store: fsynced on disk);
    ``page_cache``: the same disk without fsync, the figure before it was added."""
    csrf = await _csrf(http)
    data = os.urandom(20 * MB)
    runs = []
    for run in range(repeats):
        through_app = await _upload(http, csrf, f"big-{run}.bin", data)
        direct = await _direct_write(store, f"bench/direct-{run}", data)
        measured = {
            "app_mb_s": round(20 / through_app, 1),
            "direct_mb_s": round(20 / direct, 1),
            "app_vs_direct": round(direct / through_app, 3),
        }
        if page_cache is not None:
            unsynced = await _direct_write(page_cache, f"bench/unsynced-{run}", data)
            measured["unsynced_mb_s"] = round(20 / unsynced, 1)
        runs.append(measured)
    return median_and_spread(runs)


def disk_stores(files_dir: Path) -> tuple[ObjectStore, ObjectStore]:
    """The app's disk store (fsynced) and the same directory without fsync."""
    return local_object_store(files_dir), local_object_store(files_dir, durable=False)


def start_s3(group: ProcessGroup, data_dir: Path) -> dict[str, str]:
    """SeaweedFS for the S3 figure (.tools/bin/weed, as stage uses); the replica's settings."""
    ports = SeaweedPorts(*(free_port() for _ in fields(SeaweedPorts)))
    secret = secrets.token_urlsafe(16)  # a throwaway server's one identity
    data_dir.mkdir(parents=True, exist_ok=True)
    group.start(
        "seaweedfs",
        seaweedfs_command(ports, data_dir),
        env={"AWS_ACCESS_KEY_ID": S3_KEY_ID, "AWS_SECRET_ACCESS_KEY": secret},
        ready=http_probe(f"http://127.0.0.1:{ports.s3}/healthz"),
        timeout=60,
    )
    return {
        "CHAT_FILES_STORE": "s3",
        "CHAT_S3_ENDPOINT": f"http://127.0.0.1:{ports.s3}",
        "CHAT_S3_BUCKET": S3_BUCKET,
        "CHAT_S3_ACCESS_KEY_ID": S3_KEY_ID,
        "CHAT_S3_SECRET_ACCESS_KEY": secret,
    }


def s3_store(settings: dict[str, str]) -> ObjectStore:
    return s3_object_store(
        endpoint=settings["CHAT_S3_ENDPOINT"],
        bucket=settings["CHAT_S3_BUCKET"],
        region=S3_REGION,
        access_key_id=settings["CHAT_S3_ACCESS_KEY_ID"],
        secret_access_key=settings["CHAT_S3_SECRET_ACCESS_KEY"],
    )


async def _direct_write(store: ObjectStore, key: str, data: bytes) -> float:
    started = time.perf_counter()
    await store.put(key, data)
    elapsed = time.perf_counter() - started
    await store.delete(key)
    return elapsed


async def _thumbnail_made(http: httpx.AsyncClient, url: str) -> None:
    """The view holds each request up to 10 s for the worker, then answers 503 (a busy
    machine); asked again until it answers 200, for at most a minute."""
    for _ in range(6):
        answer = await http.get(url)
        if answer.status_code == 200:
            return
        if answer.status_code != 503:
            raise RuntimeError(f"thumbnail answered {answer.status_code}")
    raise RuntimeError("no thumbnail after a minute")


async def thumbnail_latency(
    http: httpx.AsyncClient, samples: int, size: tuple[int, int] = PHOTO_12MP
) -> dict[str, Any]:
    """From the start of the upload until the thumbnail answers (the worker made it)."""
    csrf = await _csrf(http)
    picture = photo(size)
    latencies = []
    for sample in range(samples):
        started = time.perf_counter()
        await _upload(http, csrf, f"photo-{sample}.jpg", picture)
        page = await http.get("/rooms/general")
        url = THUMBNAIL_URL.findall(page.text)[-1]
        await _thumbnail_made(http, url)
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "photo_mp": round(size[0] * size[1] / 1e6, 1),
        "photo_mb": round(len(picture) / MB, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "samples": samples,
        "thumbnail_url": url,
    }


async def requests_per_second(
    http: httpx.AsyncClient, path: str, seconds: float, concurrency: int = 8
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            answer = await http.get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"{path} answered {answer.status_code}")
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def download_rate(
    http: httpx.AsyncClient, thumbnail: str, seconds: float, repeats: int
) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        runs.append(
            {
                "thumbnail_rps": round(await requests_per_second(http, thumbnail, seconds), 1),
                "static_rps": round(
                    await requests_per_second(http, "/static/css/app.css", seconds), 1
                ),
            }
        )
    return median_and_spread(runs)


def _spread(data: dict[str, Any], key: str, digits: int = 0) -> str:
    low, high = data.get(f"{key}_spread", [data[key], data[key]])
    return f"{data[key]:,.{digits}f} ({low:,.{digits}f}-{high:,.{digits}f})"


def files_table(data: dict[str, Any]) -> list[str]:
    """Issue 31's three numbers, for docs/performance.md."""
    upload, thumbnail, served = data["upload"], data["thumbnail"], data["download"]
    return [
        "",
        "Files (issue 31), on the disk store; median (min-max) of the runs:",
        "",
        "| measure | value | against |",
        "|---|---|---|",
        f"| 20 MB upload through the app, MB/s | {_spread(upload, 'app_mb_s', 1)} | the same "
        f"bytes written to the store directly, {_direct(upload)} |",
        f"| the app's share of the store's speed (goal 70%) | "
        f"{_spread(upload, 'app_vs_direct', 2)} | |",
        *_s3_rows(data.get("s3_upload")),
        f"| upload to thumbnail of a {thumbnail['photo_mp']:.0f} MP photo "
        f"({thumbnail['photo_mb']} MB), ms | "
        f"p50 {thumbnail['p50_ms']:,.0f}, p95 {thumbnail['p95_ms']:,.0f} | "
        f"{thumbnail['samples']} photos |",
        f"| cached thumbnail, requests/s | {_spread(served, 'thumbnail_rps')} | a static file "
        f"of the same server: {_spread(served, 'static_rps')} |",
    ]


def _direct(upload: dict[str, Any]) -> str:
    """Runs before the disk store fsynced (saved results outlive the code) wrote no
    page-cache figure: their direct write was the page cache."""
    if "unsynced_mb_s" not in upload:
        return f"not fsynced (a run before the store fsynced): {_spread(upload, 'direct_mb_s', 1)}"
    return (
        f"fsynced: {_spread(upload, 'direct_mb_s', 1)} "
        f"(without fsync, the page cache: {_spread(upload, 'unsynced_mb_s', 1)})"
    )


def _s3_rows(upload: dict[str, Any] | None) -> list[str]:
    if upload is None:
        return []
    return [
        f"| 20 MB upload through the app to S3 (SeaweedFS), MB/s | "
        f"{_spread(upload, 'app_mb_s', 1)} | the same bytes put to the same bucket "
        f"directly: {_spread(upload, 'direct_mb_s', 1)}; "
        f"share {_spread(upload, 'app_vs_direct', 2)} |",
    ]
