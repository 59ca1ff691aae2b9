"""Start the whole system as real processes: the dev stack, the staging rehearsal, e2e tests.

One NATS server or a JetStream cluster of several, Valkey, FerretDB (the database, unless
``MONGODB_URL`` names a MongoDB), maildev, auth_svc, mail_svc and one or more chat_svc
replicas, each waited for until it answers.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from devstack.binaries import PROJECT_ROOT
from devstack.processes import (
    ManagedProcess,
    ProcessGroup,
    free_port,
    http_probe,
    mongodb_probe,
    python_module,
    tcp_probe,
)
from devstack.servers import (
    S3_BUCKET,
    SeaweedPorts,
    StackPorts,
    ferretdb_command,
    maildev_command,
    mongodb_url,
    nats_cluster_node_command,
    nats_command,
    redis_command,
    seaweedfs_command,
    service_command,
    service_environment,
)
from devstack.web_push_key import dev_vapid_key
from service_kit.messaging.nats_credentials import server_environment
from service_kit.settings import dev_secret

S3_ACCESS_KEY_ID = "chat"


@dataclass
class NatsNode:
    name: str
    port: int
    monitor_port: int
    argv: list[str]

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}/healthz"


@dataclass
class Topology:
    ports: StackPorts
    chat_ports: list[int]
    nats_nodes: list[NatsNode]
    env: dict[str, str]
    group: ProcessGroup
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.auth}"

    @property
    def chat_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.chat_ports]

    @property
    def mail_api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.mail_ui}/api/email"

    def chat_env(self, port: int) -> dict[str, str]:
        return self.env | {"CHAT_PORT": str(port), "CHAT_PUBLIC_URL": f"http://127.0.0.1:{port}"}

    def start_seaweedfs(self, data_dir: Path) -> None:
        """Files go to S3 (SeaweedFS) instead of the disk: what staging and compose run."""
        ports = SeaweedPorts(*(free_port() for _ in fields(SeaweedPorts)))
        secret = dev_secret("s3-secret")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.processes["seaweedfs"] = self.group.start(
            "seaweedfs",
            seaweedfs_command(ports, data_dir),
            env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": secret},
            ready=http_probe(f"http://127.0.0.1:{ports.s3}/healthz"),
            timeout=60,
        )
        self.env |= {
            "CHAT_FILES_STORE": "s3",
            "CHAT_S3_ENDPOINT": f"http://127.0.0.1:{ports.s3}",
            "CHAT_S3_BUCKET": S3_BUCKET,
            "CHAT_S3_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
            "CHAT_S3_SECRET_ACCESS_KEY": secret,
        }

    def start_nats_node(self, node: NatsNode) -> None:
        # A cluster node first only accepts connections: JetStream (and /healthz) waits until
        # its peers are up and a meta leader is elected, so start all before waiting on that.
        self.processes[node.name] = self.group.start(
            node.name, node.argv, env=server_environment(), ready=tcp_probe(node.port)
        )

    def start_ferretdb(self, data_dir: Path) -> None:
        """The database; its files stay in ``data_dir``, so data survives a restart."""
        self.processes["ferretdb"] = self.group.start(
            "ferretdb",
            ferretdb_command(self.ports.mongodb, data_dir),
            ready=mongodb_probe(self.env["MONGODB_URL"]),
            timeout=30,
        )

    def start_service(
        self, service: str, port: int, name: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        """One of our services under the ASGI server, ready once its /readyz answers."""
        name = name or service
        self.processes[name] = self.group.start(
            name,
            service_command(service, port),
            env=env or self.env,
            cwd=PROJECT_ROOT,
            ready=http_probe(f"http://127.0.0.1:{port}/readyz"),
            timeout=60,
        )

    def start_chat(self, index: int) -> None:
        port = self.chat_ports[index]
        name = f"chat_svc-{index + 1}" if len(self.chat_ports) > 1 else "chat_svc"
        self.start_service("chat_svc", port, name, self.chat_env(port))

    def stop_process(self, name: str) -> None:
        self.group.remove(self.processes.pop(name))

    def stop(self) -> None:
        self.group.stop_all()


def declare_streams_and_durables(
    nats_url: str, replicas: int = 1, app_env: str = "development"
) -> None:
    """The privileged step no service may do (service_kit/messaging/stream_setup.py), run as the
    setup user before any service starts; the services only check the streams and bind
    their durables."""
    env = os.environ | {
        "APP_ENV": app_env,
        "NATS_URL": nats_url,
        "NATS_STREAM_REPLICAS": str(replicas),
        "NATS_SETUP_PASSWORD": server_environment()["NATS_SETUP_PASSWORD"],
    }
    done = subprocess.run(
        python_module("service_kit.messaging.stream_setup"),
        env=env,
        cwd=PROJECT_ROOT,
        timeout=90,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the stream set-up step failed:\n{done.stderr[-2000:]}")


def start_topology(
    data_dir: Path,
    group: ProcessGroup,
    *,
    ports: StackPorts | None = None,
    chat_replicas: int = 1,
    nats_nodes: int = 1,
    app_env: str = "development",
    say: Callable[[str], None] = lambda _message: None,
    s3: bool = False,
) -> Topology:
    ports = ports or StackPorts(*(free_port() for _ in fields(StackPorts)))
    chat_ports = [ports.chat] + [free_port() for _ in range(chat_replicas - 1)]
    nodes = _nats_nodes(ports, nats_nodes, data_dir)
    env = service_environment(ports, app_env=app_env)
    env["NATS_URL"] = ",".join(f"nats://127.0.0.1:{node.port}" for node in nodes)
    env["NATS_STREAM_REPLICAS"] = str(min(3, nats_nodes))
    # Kept under the data directory: browsers' push subscriptions outlive a restart.
    key = os.environ.get("WEB_PUSH_VAPID_PRIVATE_KEY") or dev_vapid_key(data_dir)
    env["WEB_PUSH_VAPID_PRIVATE_KEY"] = key
    external_database = os.environ.get("MONGODB_URL")  # a real MongoDB wins
    env["MONGODB_URL"] = external_database or mongodb_url(ports.mongodb)
    # Next to the database's files: deleting the data dir drops both (chat_svc/search/).
    env["CHAT_SEARCH_INDEX_DIR"] = str(data_dir / "search-index")
    env["CHAT_FILES_DIR"] = str(data_dir / "files")  # files in messages, on disk by default
    topology = Topology(ports, chat_ports, nodes, env, group)
    try:
        if not external_database:
            say("starting FerretDB (the database, SQLite files under the data dir)")
            topology.start_ferretdb(data_dir / "ferretdb")
        say("starting NATS with JetStream" + (f" ({nats_nodes} nodes)" if nats_nodes > 1 else ""))
        for node in nodes:
            topology.start_nats_node(node)
        for node in nodes:  # JetStream is up once the cluster has elected its leaders
            group.wait_ready(topology.processes[node.name], http_probe(node.health_url), 60)
        say("declaring the JetStream streams and durables (the set-up step)")
        declare_streams_and_durables(env["NATS_URL"], int(env["NATS_STREAM_REPLICAS"]), app_env)
        say("starting Valkey")
        (data_dir / "valkey").mkdir(parents=True, exist_ok=True)
        topology.processes["valkey"] = group.start(
            "valkey", redis_command(ports.redis, data_dir / "valkey"), ready=tcp_probe(ports.redis)
        )
        say("starting the maildev mail catcher")
        topology.processes["maildev"] = group.start(
            "maildev",
            maildev_command(ports.smtp, ports.mail_ui),
            ready=http_probe(topology.mail_api_url),
        )
        if s3:
            say("starting SeaweedFS (the S3 store for files, data under the data dir)")
            topology.start_seaweedfs(data_dir / "seaweedfs")
        say("starting auth_svc")
        topology.start_service("auth_svc", ports.auth)
        for index in range(chat_replicas):
            say(f"starting chat_svc replica {index + 1} of {chat_replicas}")
            topology.start_chat(index)
        say("starting mail_svc")
        topology.start_service("mail_svc", ports.mail_health)
    except BaseException:
        group.stop_all()
        raise
    return topology


def _nats_nodes(ports: StackPorts, count: int, data_dir: Path) -> list[NatsNode]:
    if count == 1:
        store = data_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        return [
            NatsNode(
                "nats",
                ports.nats,
                ports.nats_monitor,
                nats_command(ports.nats, ports.nats_monitor, store),
            )
        ]
    client = [ports.nats] + [free_port() for _ in range(count - 1)]
    monitor = [ports.nats_monitor] + [free_port() for _ in range(count - 1)]
    cluster = [free_port() for _ in range(count)]
    nodes = []
    for i in range(count):
        store = data_dir / f"nats-{i + 1}"
        store.mkdir(parents=True, exist_ok=True)
        argv = nats_cluster_node_command(
            f"nats-{i + 1}", client[i], monitor[i], cluster[i], cluster, store
        )
        nodes.append(NatsNode(f"nats-{i + 1}", client[i], monitor[i], argv))
    return nodes
