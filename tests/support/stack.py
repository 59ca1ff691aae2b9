"""The whole system as real processes on free ports: what the browser tests drive.

NATS, Valkey, maildev (SMTP + the API the tests read mail from), auth_svc, mail_svc and two
chat_svc replicas, started by the same code as ``./run dev`` (devstack.topology).
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.processes import ProcessGroup
from devstack.topology import Topology, start_topology


@dataclass
class RunningStack:
    topology: Topology
    log_dir: Path
    seen_mail_ids: set[str] = field(default_factory=set)

    @property
    def auth_url(self) -> str:
        return self.topology.auth_url

    @property
    def chat_urls(self) -> list[str]:
        return self.topology.chat_urls

    @property
    def mail_api_url(self) -> str:
        return self.topology.mail_api_url

    def emails_to(self, address: str) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.mail_api_url, timeout=5) as response:  # noqa: S310
            messages: list[dict[str, Any]] = json.loads(response.read())
        return [
            m
            for m in messages
            if any(to.get("address", "").lower() == address.lower() for to in m.get("to", []))
        ]

    def email_html(self, email_id: str) -> str:
        """The HTML part as the catcher stored it (maildev serves it without a charset)."""
        url = f"{self.mail_api_url}/{email_id}/html"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return bytes(response.read()).decode("utf-8")

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
        self.topology.stop()


def start_stack(work_dir: Path, chat_replicas: int = 2, nats_nodes: int = 1) -> RunningStack:
    log_dir = work_dir / "logs"
    topology = start_topology(
        work_dir,
        ProcessGroup(log_dir=log_dir),
        chat_replicas=chat_replicas,
        nats_nodes=nats_nodes,
        app_env="test",
    )
    return RunningStack(topology, log_dir)
