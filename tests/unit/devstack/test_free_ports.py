"""Ports for our servers come from below the kernel's ephemeral range, so a server started
again on its port cannot find it taken by an outgoing connection's local port."""

from __future__ import annotations

import secrets
import socket

import pytest

from devstack import processes
from devstack.processes import EPHEMERAL_RANGE, LISTEN_PORTS_FROM, free_port


def test_ports_are_free_distinct_and_below_the_ephemeral_range() -> None:
    ephemeral_from = int(EPHEMERAL_RANGE.read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(LISTEN_PORTS_FROM <= port < ephemeral_from for port in ports)
    for port in ports[:5]:  # each can be listened on
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
            sock.listen()


def test_a_port_something_listens_on_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        free = free_port()
        # The draws: the busy port first, then the free one.
        draws = iter([busy - LISTEN_PORTS_FROM, free - LISTEN_PORTS_FROM])
        monkeypatch.setattr(processes, "_handed_out", set())
        monkeypatch.setattr(secrets, "randbelow", lambda _: next(draws))
        assert free_port() == free
