"""Real servers for tests: nats-server with JetStream, Valkey and FerretDB, on free ports.

Each can be stopped and started again on the same port and data directory, so tests can
take a dependency down mid-flow and prove that nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from devstack.processes import (
    ManagedProcess,
    ProcessGroup,
    ReadyProbe,
    free_port,
    http_probe,
    mongodb_probe,
    tcp_probe,
)
from devstack.servers import (
    SeaweedPorts,
    ferretdb_command,
    mongodb_url,
    nats_command,
    redis_command,
    seaweedfs_command,
)
from service_kit.messaging.nats_credentials import server_environment


@dataclass
class RestartableServer:
    name: str
    argv: list[str]
    probe_url: str | None
    port: int
    group: ProcessGroup
    process: ManagedProcess | None = field(default=None)
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        self.process = self.group.start(
            self.name, self.argv, env=self.env, ready=self.ready_probe(), timeout=20
        )

    def ready_probe(self) -> ReadyProbe:
        return http_probe(self.probe_url) if self.probe_url else tcp_probe(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.group.remove(self.process)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.process.poll() is None


@dataclass
class NatsServer(RestartableServer):
    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


@dataclass
class RedisServer(RestartableServer):
    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_nats(
    group: ProcessGroup, data_dir: Path, passwords: dict[str, str] | None = None
) -> NatsServer:
    """``passwords``: the NATS_*_PASSWORD variables (the development ones by default)."""
    port, monitor = free_port(), free_port()
    server = NatsServer(
        name=f"nats-{port}",
        argv=nats_command(port, monitor, data_dir),
        probe_url=f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true",
        port=port,
        group=group,
        env=passwords or server_environment(),  # the passwords nats/accounts.conf reads
    )
    server.start()
    return server


def start_redis(group: ProcessGroup, data_dir: Path) -> RedisServer:
    port = free_port()
    server = RedisServer(
        name=f"valkey-{port}",
        argv=redis_command(port, data_dir),
        probe_url=None,
        port=port,
        group=group,
    )
    server.start()
    return server


@dataclass
class FerretDbServer(RestartableServer):
    @property
    def url(self) -> str:
        return mongodb_url(self.port)

    def ready_probe(self) -> ReadyProbe:
        return mongodb_probe(self.url)


def start_ferretdb(group: ProcessGroup, data_dir: Path, port: int | None = None) -> FerretDbServer:
    """On ``port`` (a free one by default): tests of a database that comes up late pick it."""
    port = port or free_port()
    server = FerretDbServer(
        name=f"ferretdb-{port}",
        argv=ferretdb_command(port, data_dir),
        probe_url=None,
        port=port,
        group=group,
    )
    server.start()
    return server


S3_ACCESS_KEY_ID = "chat-tests"
S3_SECRET_ACCESS_KEY = "chat-tests-secret-key"


@dataclass
class SeaweedServer(RestartableServer):
    """SeaweedFS's S3 gateway (``weed mini``); ``port`` is the S3 port."""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready_probe(self) -> ReadyProbe:
        return http_probe(f"{self.endpoint}/healthz")


def start_seaweedfs(group: ProcessGroup, data_dir: Path) -> SeaweedServer:
    ports = SeaweedPorts(*(free_port() for _ in fields(SeaweedPorts)))
    data_dir.mkdir(parents=True, exist_ok=True)
    server = SeaweedServer(
        name=f"seaweedfs-{ports.s3}",
        argv=seaweedfs_command(ports, data_dir),
        probe_url=None,
        port=ports.s3,
        group=group,
        env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY},
    )
    server.start()
    return server
