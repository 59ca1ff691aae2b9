"""Start what a benchmark measures as separate processes pinned to the server core.

NATS, Valkey, FerretDB, a fake auth_svc and chat_svc replicas (or the Starlette peer) all run on
``SERVER_CORE``; the load generators run on ``LOAD_CORE``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.proc import SERVER_CORE, pinned
from devstack.processes import (
    ManagedProcess,
    ProcessGroup,
    free_port,
    http_probe,
    mongodb_probe,
    tcp_probe,
)
from devstack.servers import (
    HTTP_PROTOCOL,
    ferretdb_command,
    mongodb_url,
    nats_command,
    redis_command,
)
from devstack.topology import declare_streams_and_durables
from service_kit.messaging.nats_credentials import server_environment

ASGI_SERVERS = ("uvicorn", "hypercorn", "granian")
SERVICE_SECRET = "bench-service-secret"  # noqa: S105 - a loopback-only benchmark value


def asgi_command(server: str, target: str, port: int) -> list[str]:
    """The same app under each server: one worker, uvloop, no access log. uvicorn runs the
    HTTP protocol devstack and the image run (service_kit/serving/http_limits.py)."""
    python = sys.executable
    if server == "uvicorn":
        return [
            python, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
            "--loop", "uvloop", "--http", HTTP_PROTOCOL, "--no-access-log",
            "--log-level", "warning", "--timeout-graceful-shutdown", "2",
        ]  # fmt: skip
    if server == "hypercorn":
        return [
            python, "-m", "hypercorn", target, "--bind", f"127.0.0.1:{port}",
            "--worker-class", "uvloop", "--log-level", "warning", "--graceful-timeout", "2",
        ]  # fmt: skip
    if server == "granian":
        return [
            python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--runtime-threads", "1",
            "--loop", "uvloop", "--log-level", "warning", "--no-ws",
            "--workers-kill-timeout", "2", target,
        ]  # fmt: skip
    raise ValueError(f"unknown ASGI server {server!r}")


@dataclass
class Stack:
    group: ProcessGroup
    nats_url: str = ""
    redis_url: str = ""
    mongodb_url: str = ""
    auth_url: str = ""
    search_index_dir: Path = Path()
    services: dict[str, ManagedProcess] = field(default_factory=dict)

    def start_infrastructure(self, data_dir: Path) -> None:
        # The stack's own search index (chat_svc/search/): never another stack's.
        self.search_index_dir = data_dir / "search-index"
        nats_port, monitor = free_port(), free_port()
        self.group.start(
            "nats",
            pinned(nats_command(nats_port, monitor, data_dir / "nats"), SERVER_CORE),
            env=server_environment(),
            ready=http_probe(f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true"),
            timeout=20,
        )
        redis_port = free_port()
        (data_dir / "valkey").mkdir()
        self.group.start(
            "valkey",
            pinned(redis_command(redis_port, data_dir / "valkey"), SERVER_CORE),
            ready=tcp_probe(redis_port),
            timeout=20,
        )
        database_port = free_port()
        self.mongodb_url = mongodb_url(database_port)
        self.group.start(
            "ferretdb",
            pinned(ferretdb_command(database_port, data_dir / "ferretdb"), SERVER_CORE),
            ready=mongodb_probe(self.mongodb_url),
            timeout=20,
        )
        self.nats_url = f"nats://127.0.0.1:{nats_port}"
        declare_streams_and_durables(self.nats_url)  # no service may: the set-up step's
        self.redis_url = f"redis://127.0.0.1:{redis_port}/0"
        auth_port = free_port()
        self.group.start(
            "fake-auth",
            pinned(asgi_command("uvicorn", "bench.fake_auth:app", auth_port), SERVER_CORE),
            env={"SERVICE_SECRET": SERVICE_SECRET},
            ready=tcp_probe(auth_port),
            timeout=20,
        )
        self.auth_url = f"http://127.0.0.1:{auth_port}"

    def chat_environment(self, port: int) -> dict[str, str]:
        return {
            "APP_ENV": "development",
            "NATS_URL": self.nats_url,
            "REDIS_URL": self.redis_url,
            "MONGODB_URL": self.mongodb_url,
            "SERVICE_SECRET": SERVICE_SECRET,
            "LOG_LEVEL": "WARNING",  # one INFO line per posted message would be measured too
            "CHAT_PORT": str(port),
            "CHAT_SEARCH_INDEX_DIR": str(self.search_index_dir),
            "CHAT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CHAT_AUTH_INTERNAL_URL": self.auth_url,
            "CHAT_TOKEN_CACHE_SECONDS": "3600",  # "a cached token check"
            "CHAT_MESSAGE_RATE_COUNT": "1000000000",  # the publisher is one user
            # Every measured stream comes from this one machine (one address, few sessions).
            "CHAT_STREAMS_PER_SESSION": "1000000",
            "CHAT_STREAMS_PER_ADDRESS": "1000000",
            "CHAT_ROOM_RATE_COUNT": "1000000000",  # and creates every room of the rooms bench
            "CHAT_SEARCH_RATE_COUNT": "1000000000",  # the search bench's one searcher
        }

    def start_chat(self, name: str, server: str = "uvicorn") -> str:
        return self.start_chats([name], server)[0]

    def start_chats(
        self, names: list[str], server: str = "uvicorn", cores: list[int] | None = None
    ) -> list[str]:
        """Start the replicas together (each on ``SERVER_CORE`` unless ``cores`` says),
        then wait for each to be ready."""
        urls = []
        for index, name in enumerate(names):
            port = free_port()
            core = cores[index] if cores is not None else SERVER_CORE
            self.services[name] = self.group.start(
                name,
                pinned(asgi_command(server, "chat_svc.asgi:app", port), core),
                env=self.chat_environment(port),
            )
            urls.append(f"http://127.0.0.1:{port}")
        for name, url in zip(names, urls, strict=True):
            self.group.wait_ready(self.services[name], http_probe(f"{url}/readyz"), 60)
        return urls

    def start_peer(self, name: str, server: str = "uvicorn") -> str:
        port = free_port()
        self.services[name] = self.group.start(
            name,
            pinned(asgi_command(server, "bench.peer_app:app", port), SERVER_CORE),
            env={"REDIS_URL": self.redis_url},
            ready=http_probe(f"http://127.0.0.1:{port}/healthz"),
            timeout=60,
        )
        return f"http://127.0.0.1:{port}"

    def stop(self, name: str) -> int | None:
        return self.group.stop(self.services.pop(name))

    def pid(self, name: str) -> int:
        return self.services[name].process.pid

    def pids_of(self, *names: str) -> list[int]:
        return [c.process.pid for c in self.group.children if c.name in names]

    def infrastructure_pids(self) -> list[int]:
        names = ("nats", "valkey", "ferretdb")
        return [c.process.pid for c in self.group.children if c.name in names]


@contextmanager
def running_stack(log_dir: Path) -> Iterator[Stack]:
    """NATS, Valkey and the fake auth_svc; services are added by each benchmark."""
    with tempfile.TemporaryDirectory(prefix="bench-") as data:
        # A run the watchdog ends (bench/watchdog.py), or that is killed, takes its servers
        # with it: every child is started from the main thread.
        group = ProcessGroup(log_dir=log_dir, die_with_parent=True)
        stack = Stack(group)
        try:
            stack.start_infrastructure(Path(data))
            yield stack
        finally:
            group.stop_all()
