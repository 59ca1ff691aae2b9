"""Forwarded headers count only from a configured edge: by default a client cannot claim
another address (per-address limits and the "new sign-in" e-mail depend on it)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from devstack.binaries import PROJECT_ROOT
from devstack.processes import ProcessGroup, free_port, http_probe
from devstack.servers import service_command

ECHO = "tests.support.client_echo"


def seen_by_server(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/readyz",
        headers={"X-Forwarded-For": "10.0.0.7", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return bytes(response.read()).decode()


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(None, "127.0.0.1 http"), ("", "127.0.0.1 http"), ("127.0.0.1", "10.0.0.7 https")],
)
def test_the_dev_server_trusts_forwarded_headers_only_from_configured_proxies(
    tmp_path: Path, trusted: str | None, expected: str
) -> None:
    group = ProcessGroup(log_dir=tmp_path)
    port = free_port()
    if trusted is None:  # what ./run dev and every test stack use
        argv = service_command(ECHO, port)
    else:
        argv = service_command(ECHO, port, forwarded_allow_ips=trusted)
    try:
        group.start(
            "echo", argv, cwd=PROJECT_ROOT, ready=http_probe(f"http://127.0.0.1:{port}/readyz")
        )
        assert seen_by_server(port) == expected
    finally:
        group.stop_all()
