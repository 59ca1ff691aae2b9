"""The ASGI server as the dev stack and the image run it refuses oversized request headers
and closes connections that take too long to send them (slow-header clients)."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.binaries import PROJECT_ROOT
from devstack.processes import ProcessGroup, free_port, http_probe
from devstack.servers import service_command

ECHO = "tests.support.client_echo"


@pytest.fixture
def echo_port(tmp_path: Path) -> Iterator[int]:
    group = ProcessGroup(log_dir=tmp_path)
    port = free_port()
    try:
        group.start(
            "echo",
            service_command(ECHO, port),
            env={"HTTP_HEADER_TIMEOUT_SECONDS": "1"},
            cwd=PROJECT_ROOT,
            ready=http_probe(f"http://127.0.0.1:{port}/readyz"),
        )
        yield port
    finally:
        group.stop_all()


def get_status(port: int, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_headers_past_the_limit_are_refused_with_431(echo_port: int) -> None:
    assert get_status(echo_port, {"X-Padding": "a" * 4000}) == 200
    assert get_status(echo_port, {"X-Padding": "a" * 64_000}) == 431
    assert get_status(echo_port, {f"X-Pad-{n}": "a" * 1000 for n in range(40)}) == 431


def test_a_client_that_never_finishes_its_headers_is_disconnected(echo_port: int) -> None:
    with socket.create_connection(("127.0.0.1", echo_port), timeout=10) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        for _ in range(8):  # a byte every half second keeps the connection busy, not done
            time.sleep(0.5)
            try:
                slow.sendall(b"X")
            except OSError:
                break
        answer = slow.recv(4096)
        assert time.monotonic() - started < 6
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_a_client_that_connects_and_says_nothing_is_disconnected(echo_port: int) -> None:
    with socket.create_connection(("127.0.0.1", echo_port), timeout=10) as idle:
        started = time.monotonic()
        answer = idle.recv(4096)
        assert time.monotonic() - started < 6
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_a_large_body_and_kept_alive_requests_are_not_mistaken_for_large_headers(
    echo_port: int,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", echo_port, timeout=5)
    try:
        for _ in range(3):  # one connection, one request after another
            connection.request("POST", "/", body=b"x" * 60_000)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        connection.close()
