"""The whole system as real processes on free ports: what the browser tests drive.

NATS, Valkey, maildev (SMTP + the API the tests read mail from), auth_svc, mail_svc and any
number of chat_svc replicas, each started with the very commands the dev stack uses.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.binaries import PROJECT_ROOT
from devstack.processes import ProcessGroup, free_port, http_probe, tcp_probe
from devstack.servers import (
    StackPorts,
    maildev_command,
    nats_command,
    redis_command,
    service_command,
    service_environment,
)


@dataclass
class RunningStack:
    ports: StackPorts
    chat_ports: list[int]
    group: ProcessGroup
    log_dir: Path
    seen_mail_ids: set[str] = field(default_factory=set)

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.auth}"

    @property
    def chat_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.chat_ports]

    @property
    def mail_api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.mail_ui}/api/email"

    def emails_to(self, address: str) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.mail_api_url, timeout=5) as response:  # noqa: S310
            messages: list[dict[str, Any]] = json.loads(response.read())
        return [
            m
            for m in messages
            if any(to.get("address", "").lower() == address.lower() for to in m.get("to", []))
        ]

    def wait_for_email(
        self, address: str, subject_part: str, timeout: float = 20.0
    ) -> dict[str, Any]:
        """The newest not-yet-read e-mail to ``address`` whose subject contains ``subject_part``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message: dict[str, Any]
            for message in reversed(self.emails_to(address)):
                if message["id"] in self.seen_mail_ids:
                    continue
                if subject_part.lower() in message.get("subject", "").lower():
                    self.seen_mail_ids.add(message["id"])
                    return message
            time.sleep(0.2)
        subjects = [m.get("subject") for m in self.emails_to(address)]
        raise AssertionError(f"no e-mail {subject_part!r} to {address}; got {subjects}")

    def stop(self) -> None:
        self.group.stop_all()


def start_stack(work_dir: Path, chat_replicas: int = 2) -> RunningStack:
    ports = StackPorts(*(free_port() for _ in range(8)))
    chat_ports = [ports.chat] + [free_port() for _ in range(chat_replicas - 1)]
    log_dir = work_dir / "logs"
    group = ProcessGroup(log_dir=log_dir)
    stack = RunningStack(ports, chat_ports, group, log_dir)
    try:
        (work_dir / "nats").mkdir(parents=True, exist_ok=True)
        (work_dir / "valkey").mkdir(parents=True, exist_ok=True)
        group.start(
            "nats",
            nats_command(ports.nats, ports.nats_monitor, work_dir / "nats"),
            ready=http_probe(f"http://127.0.0.1:{ports.nats_monitor}/healthz?js-enabled-only=true"),
        )
        group.start(
            "valkey", redis_command(ports.redis, work_dir / "valkey"), ready=tcp_probe(ports.redis)
        )
        group.start(
            "maildev",
            maildev_command(ports.smtp, ports.mail_ui),
            ready=http_probe(stack.mail_api_url),
        )
        env = service_environment(ports, app_env="test")
        group.start(
            "auth_svc",
            service_command("auth_svc", ports.auth),
            env=env,
            cwd=PROJECT_ROOT,
            ready=http_probe(f"{stack.auth_url}/readyz"),
        )
        for index, port in enumerate(chat_ports):
            group.start(
                f"chat_svc-{index + 1}",
                service_command("chat_svc", port),
                env=env | {"CHAT_PORT": str(port), "CHAT_PUBLIC_URL": f"http://127.0.0.1:{port}"},
                cwd=PROJECT_ROOT,
                ready=http_probe(f"http://127.0.0.1:{port}/readyz"),
            )
        group.start(
            "mail_svc",
            service_command("mail_svc", ports.mail_health),
            env=env,
            cwd=PROJECT_ROOT,
            ready=http_probe(f"http://127.0.0.1:{ports.mail_health}/readyz"),
        )
    except BaseException:
        group.stop_all()
        raise
    return stack
