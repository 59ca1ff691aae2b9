"""``python -m devstack``: the whole app on this machine, with interleaved logs.

Starts NATS (JetStream), Valkey, the maildev mail catcher and the three services, waits
until each answers, prints every URL, and on Ctrl-C (or SIGTERM) stops them in reverse order.
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
from devstack.processes import ProcessGroup, StartupError, http_probe, port_is_free, tcp_probe
from devstack.servers import (
    StackPorts,
    maildev_command,
    nats_command,
    redis_command,
    service_command,
    service_environment,
)

PORT_OPTIONS = {
    "auth": "auth_svc HTTP",
    "chat": "chat_svc HTTP",
    "mail_health": "mail_svc health",
    "nats": "NATS client",
    "nats_monitor": "NATS monitoring",
    "redis": "Valkey/Redis",
    "smtp": "mail catcher SMTP",
    "mail_ui": "mail catcher web UI",
}


def parse_args(argv: list[str] | None) -> tuple[StackPorts, Path]:
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
        help="where NATS keeps its JetStream data and logs go",
    )
    args = parser.parse_args(argv)
    ports = StackPorts(**{name: getattr(args, name) for name in PORT_OPTIONS})
    return ports, args.data_dir


def check_ports(ports: StackPorts) -> list[str]:
    problems = []
    for name, port in ports.labelled().items():
        if not port_is_free(port):
            flag = f"--{name.replace('_', '-')}-port"
            problems.append(
                f"port {port} ({PORT_OPTIONS[name]}) is already in use. Stop what uses it "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or pick another with {flag} "
                f"or DEV_{name.upper()}_PORT."
            )
    return problems


def banner(ports: StackPorts, data_dir: Path, mongodb_url: str | None) -> str:
    store = (
        f"MongoDB at {mongodb_url}"
        if mongodb_url
        else "IN-MEMORY (MONGODB_URL unset: data is lost when you stop, not shared between "
        "processes)"
    )
    lines = [
        "",
        "The chat app is up:",
        f"  Sign up / sign in   http://127.0.0.1:{ports.auth}/sign-up",
        f"  Chat                http://127.0.0.1:{ports.chat}/",
        f"  Mail inbox (UI)     http://127.0.0.1:{ports.mail_ui}/",
        f"  Mail API            http://127.0.0.1:{ports.mail_ui}/api/email",
        f"  mail_svc health     http://127.0.0.1:{ports.mail_health}/readyz",
        f"  NATS                nats://127.0.0.1:{ports.nats}  "
        f"(monitoring http://127.0.0.1:{ports.nats_monitor}/)",
        f"  Valkey              redis://127.0.0.1:{ports.redis}/0",
        f"  Document store      {store}",
        f"  Data and logs       {data_dir}",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ports, data_dir = parse_args(argv)
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

    group = ProcessGroup(echo=sys.stdout)
    env = service_environment(ports)
    mongodb_url = os.environ.get("MONGODB_URL") or None
    try:
        (data_dir / "nats").mkdir(parents=True, exist_ok=True)
        (data_dir / "valkey").mkdir(parents=True, exist_ok=True)
        say("starting NATS with JetStream")
        group.start(
            "nats",
            nats_command(ports.nats, ports.nats_monitor, data_dir / "nats"),
            ready=http_probe(f"http://127.0.0.1:{ports.nats_monitor}/healthz?js-enabled-only=true"),
        )
        say("starting Valkey")
        group.start(
            "valkey", redis_command(ports.redis, data_dir / "valkey"), ready=tcp_probe(ports.redis)
        )
        say("starting the maildev mail catcher")
        group.start(
            "maildev",
            maildev_command(ports.smtp, ports.mail_ui),
            ready=http_probe(f"http://127.0.0.1:{ports.mail_ui}/api/email"),
        )
        for name, port in (("auth_svc", ports.auth), ("chat_svc", ports.chat)):
            say(f"starting {name}")
            group.start(
                name,
                service_command(name, port),
                env=env,
                cwd=PROJECT_ROOT,
                ready=http_probe(f"http://127.0.0.1:{port}/readyz"),
            )
        say("starting mail_svc")
        group.start(
            "mail_svc",
            service_command("mail_svc", ports.mail_health),
            env=env,
            cwd=PROJECT_ROOT,
            ready=http_probe(f"http://127.0.0.1:{ports.mail_health}/readyz"),
        )
    except (MissingBinaryError, StartupError) as error:
        print(f"devstack: cannot start: {error}", file=sys.stderr)
        group.stop_all()
        return 1
    except BaseException:
        group.stop_all()
        raise

    print(banner(ports, data_dir, mongodb_url), flush=True)
    exit_code = 0
    while not stopping:
        crashed = group.first_exited()
        if crashed is not None:
            print(
                f"devstack: {crashed.name} exited with code {crashed.process.returncode}; "
                "stopping the rest",
                file=sys.stderr,
            )
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
