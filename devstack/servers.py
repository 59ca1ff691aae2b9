"""The commands that start each server of the stack, shared by the dev stack and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from devstack import binaries
from devstack.processes import python_module


@dataclass(frozen=True)
class StackPorts:
    auth: int = 8001
    chat: int = 8002
    mail_health: int = 8003
    nats: int = 4222
    nats_monitor: int = 8222
    redis: int = 6379
    smtp: int = 1025
    mail_ui: int = 1080
    mongodb: int = 27017
    auth_internal: int = 8004  # auth_svc's internal API (chat_svc's token checks)

    def labelled(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# Users and permissions (passwords from the environment: service_kit/messaging/nats_credentials.py).
NATS_ACCOUNTS = binaries.PROJECT_ROOT / "nats" / "accounts.conf"


def nats_command(port: int, monitor_port: int, store_dir: Path) -> list[str]:
    """Start with ``env=nats_credentials.server_environment()`` (the passwords)."""
    return [
        str(binaries.nats_server()),
        "--config", str(NATS_ACCOUNTS),
        "--jetstream",
        "--addr", "127.0.0.1",
        "--port", str(port),
        "--http_port", str(monitor_port),
        "--store_dir", str(store_dir),
    ]  # fmt: skip


def redis_command(port: int, data_dir: Path) -> list[str]:
    return [
        str(binaries.redis_server()),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "no",
        "--protected-mode", "yes",
    ]  # fmt: skip


# FerretDB's SQLite runs in WAL mode with SQLite's default synchronous=FULL: an fsync per
# commit, one writer at a time, the others sleeping in SQLite's busy handler (1-100 ms), so
# concurrent posts queued on the disk while the CPU idled (docs/performance.md, "The POST,
# second pass"). NORMAL still writes each commit to the log before it returns: a killed
# process loses nothing, an OS crash or power cut may lose the last commits. Fine for what
# devstack runs (dev, tests, stage, bench); production runs MongoDB.
FERRETDB_SQLITE_PRAGMAS = "_pragma=synchronous(normal)"


def ferretdb_command(port: int, data_dir: Path) -> list[str]:
    """FerretDB on its SQLite backend: one file per database under ``data_dir/sqlite``."""
    sqlite_dir = data_dir / "sqlite"
    sqlite_dir.mkdir(parents=True, exist_ok=True)
    return [
        str(binaries.ferretdb()),
        "--handler", "sqlite",
        "--sqlite-url", f"file:{sqlite_dir}/?{FERRETDB_SQLITE_PRAGMAS}",
        "--state-dir", str(data_dir),
        "--listen-addr", f"127.0.0.1:{port}",
        "--debug-addr", "-",  # no metrics listener: it would need a port of its own
        "--telemetry", "disable",
        "--log-level", "warn",
    ]  # fmt: skip


def mongodb_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/"


def maildev_command(smtp_port: int, ui_port: int) -> list[str]:
    return [
        str(binaries.maildev()),
        "--smtp", str(smtp_port),
        "--web", str(ui_port),
        "--ip", "127.0.0.1",
        "--web-ip", "127.0.0.1",
    ]  # fmt: skip


# The HTTP protocol every service runs under uvicorn (header limits, less memory per open
# connection); deploy/entrypoint.sh names the same (tests/unit/deploy/test_entrypoint.py).
HTTP_PROTOCOL = "service_kit.serving.http_limits:HeaderLimitedHttpToolsProtocol"


def service_command(
    service: str, port: int, host: str = "127.0.0.1", forwarded_allow_ips: str | None = None
) -> list[str]:
    """One place that chooses the ASGI server for every service (see docs/performance.md)."""
    return python_module(
        "uvicorn",
        f"{service}.asgi:app",
        "--host", host,
        "--port", str(port),
        "--timeout-graceful-shutdown", "3",
        "--no-server-header",
        # Header size and header-read time limits (httptools underneath; see the module).
        "--http", HTTP_PROTOCOL,
        *proxy_header_flags(forwarded_allow_ips),
    )  # fmt: skip


def proxy_header_flags(forwarded_allow_ips: str | None = None) -> list[str]:
    """Trust X-Forwarded-For/-Proto only from the edge proxies listed (comma-separated; env
    ``FORWARDED_ALLOW_IPS``); none by default, so a client cannot claim another address.
    uvicorn on its own trusts 127.0.0.1, which on a laptop is every client."""
    if forwarded_allow_ips is None:
        forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
    if not forwarded_allow_ips.strip():
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", forwarded_allow_ips.strip()]


def service_environment(ports: StackPorts, *, app_env: str = "development") -> dict[str, str]:
    """The variables that wire the services to each other and to the infrastructure."""
    auth_url = f"http://127.0.0.1:{ports.auth}"
    chat_url = f"http://127.0.0.1:{ports.chat}"
    return {
        "APP_ENV": app_env,
        "NATS_URL": f"nats://127.0.0.1:{ports.nats}",
        "REDIS_URL": f"redis://127.0.0.1:{ports.redis}/0",
        "AUTH_PORT": str(ports.auth),
        "AUTH_PUBLIC_URL": auth_url,
        "AUTH_INTERNAL_PORT": str(ports.auth_internal),
        "AUTH_CHAT_PUBLIC_URL": chat_url,
        "CHAT_PORT": str(ports.chat),
        "CHAT_PUBLIC_URL": chat_url,
        "CHAT_AUTH_PUBLIC_URL": auth_url,
        "CHAT_AUTH_INTERNAL_URL": f"http://127.0.0.1:{ports.auth_internal}",
        "MAIL_PORT": str(ports.mail_health),
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": str(ports.smtp),
    }


def nats_cluster_node_command(
    name: str,
    port: int,
    monitor_port: int,
    cluster_port: int,
    route_ports: list[int],
    store_dir: Path,
) -> list[str]:
    """One node of a JetStream cluster; streams then replicate across the nodes (R3)."""
    routes = ",".join(f"nats://127.0.0.1:{p}" for p in route_ports)
    return [
        *nats_command(port, monitor_port, store_dir),
        "--server_name", name,
        "--cluster_name", "stage",
        "--cluster", f"nats://127.0.0.1:{cluster_port}",
        "--routes", routes,
    ]  # fmt: skip


@dataclass(frozen=True)
class SeaweedPorts:
    """``weed mini`` runs a master, a volume server, a filer and the S3 gateway, each with an
    HTTP and a gRPC port; every one is given, so nothing lands on a default another uses."""

    s3: int
    s3_grpc: int
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    admin: int
    admin_grpc: int


S3_BUCKET = "chat-files"
S3_REGION = "us-east-1"


def seaweedfs_command(ports: SeaweedPorts, data_dir: Path, bucket: str = S3_BUCKET) -> list[str]:
    """SeaweedFS as one S3 server, its data under ``data_dir``. Start it with
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` in the environment: the one identity
    it accepts (an admin, which creates ``bucket`` at start)."""
    return [
        str(binaries.seaweedfs()), "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={ports.s3}", f"-s3.port.grpc={ports.s3_grpc}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-master.port={ports.master}", f"-master.port.grpc={ports.master_grpc}",
        f"-volume.port={ports.volume}", f"-volume.port.grpc={ports.volume_grpc}",
        f"-filer.port={ports.filer}", f"-filer.port.grpc={ports.filer_grpc}",
        f"-admin.port={ports.admin}", f"-admin.port.grpc={ports.admin_grpc}",
        "-admin.port.legacy=0", "-admin.ui=false",
        "-webdav=false", "-master.telemetry=false",
        f"-bucket={bucket}",
    ]  # fmt: skip
