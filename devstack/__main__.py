"""``python -m devstack``: the whole app on this machine, with interleaved logs.

Starts NATS (JetStream), Valkey, the maildev mail catcher and the three services, waits
until each answers, prints every URL, and on Ctrl-C (or SIGTERM) stops them in reverse order.
A process that dies stops the whole stack (the log says which and why) unless ``--restart``
(implied by ``--stage``) restarts it with backoff. If devstack itself is killed, the kernel
kills every process it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from devstack.binaries import PROJECT_ROOT, MissingBinaryError
from devstack.processes import ProcessGroup, StartupError, port_is_free
from devstack.servers import StackPorts
from devstack.supervisor import RestartPolicy, Supervisor
from devstack.topology import Topology, start_topology

PORT_OPTIONS = {
    "auth": "auth_svc HTTP",
    "chat": "chat_svc HTTP",
    "mail_health": "mail_svc health",
    "nats": "NATS client",
    "nats_monitor": "NATS monitoring",
    "redis": "Valkey/Redis",
    "smtp": "mail catcher SMTP",
    "mail_ui": "mail catcher web UI",
    "mongodb": "FerretDB (MongoDB protocol)",
    "auth_internal": "auth_svc internal API",
}


def parse_args(argv: list[str] | None) -> tuple[StackPorts, Path, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    defaults = StackPorts()
    for name, label in PORT_OPTIONS.items():
        env_name = f"DEV_{name.upper()}_PORT"
        parser.add_argument(
            f"--{name.replace('_', '-')}-port",
            dest=name,
            type=int,
            default=int(os.environ.get(env_name, getattr(defaults, name))),
            help=f"{label} port (env {env_name})",
        )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=PROJECT_ROOT / ".devstack",
        help="where NATS, FerretDB and Valkey keep their data (kept across restarts)",
    )
    parser.add_argument("--chat-replicas", type=int, default=1, help="chat_svc processes")
    parser.add_argument(
        "--nats-nodes", type=int, default=1, help="NATS servers (3 = a JetStream cluster, R3)"
    )
    parser.add_argument(
        "--stage",
        action="store_true",
        help="the staging rehearsal: 3 NATS nodes with R3 streams and 2 chat replicas, "
        "crashed processes restarted (--restart)",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="restart a crashed process with backoff (like compose's restart: "
        "unless-stopped) instead of stopping everything; one that keeps crashing is given up",
    )
    args = parser.parse_args(argv)
    if args.stage:
        args.chat_replicas = max(args.chat_replicas, 2)
        args.nats_nodes = max(args.nats_nodes, 3)
        args.restart = True
    ports = StackPorts(**{name: getattr(args, name) for name in PORT_OPTIONS})
    return ports, args.data_dir, args


def check_ports(ports: StackPorts) -> list[str]:
    problems = []
    for name, port in ports.labelled().items():
        if name == "mongodb" and os.environ.get("MONGODB_URL"):
            continue  # the database is the user's own MongoDB, not ours
        if not port_is_free(port):
            flag = f"--{name.replace('_', '-')}-port"
            problems.append(
                f"port {port} ({PORT_OPTIONS[name]}) is already in use. Stop what uses it "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or pick another with {flag} "
                f"or DEV_{name.upper()}_PORT."
            )
    return problems


def banner(topology: Topology, data_dir: Path) -> str:
    ports = topology.ports
    url = topology.env["MONGODB_URL"]
    store = (
        f"FerretDB at {url} (kept in the data dir)"
        if "ferretdb" in topology.processes
        else (f"MongoDB at {url} (from MONGODB_URL)")
    )
    chats = "\n".join(
        f"  Chat{f' replica {i + 1}' if len(topology.chat_urls) > 1 else '':<16}{url}/"
        for i, url in enumerate(topology.chat_urls)
    )
    nats = ", ".join(f"nats://127.0.0.1:{node.port}" for node in topology.nats_nodes)
    lines = [
        "",
        "The chat app is up:",
        f"  Sign up / sign in   {topology.auth_url}/sign-up",
        chats,
        f"  Mail inbox (UI)     http://127.0.0.1:{ports.mail_ui}/",
        f"  Mail API            {topology.mail_api_url}",
        f"  mail_svc health     http://127.0.0.1:{ports.mail_health}/readyz",
        f"  NATS                {nats}  (monitoring http://127.0.0.1:{ports.nats_monitor}/)",
        f"  Valkey              redis://127.0.0.1:{ports.redis}/0",
        f"  Database            {store}",
        f"  Data and logs       {data_dir}",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ports, data_dir, options = parse_args(argv)
    problems = check_ports(ports)
    if problems:
        print("devstack: cannot start:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2

    stopping = False

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    group = ProcessGroup(echo=sys.stdout, die_with_parent=True)
    try:
        topology = start_topology(
            data_dir,
            group,
            ports=ports,
            chat_replicas=options.chat_replicas,
            nats_nodes=options.nats_nodes,
            say=say,
            s3=options.stage,  # files on S3 (SeaweedFS) in the rehearsal, on disk in dev
        )
    except (MissingBinaryError, StartupError) as error:
        print(f"devstack: cannot start: {error}", file=sys.stderr)
        group.stop_all()
        return 1
    except BaseException:
        group.stop_all()
        raise

    print(banner(topology, data_dir), flush=True)
    # Children are restarted from this (main) thread: their parent-death signal is tied to it.
    supervisor = Supervisor(group, RestartPolicy() if options.restart else None, say)
    exit_code = 0
    while not stopping:
        if supervisor.check() is not None:
            exit_code = 1
            break
        time.sleep(0.2)
    say("stopping (services first, then infrastructure)")
    group.stop_all()
    say("stopped cleanly" if exit_code == 0 else "stopped")
    return exit_code


def say(message: str) -> None:
    print(f"{'devstack':>10} | {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
