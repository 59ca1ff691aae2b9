"""The README's first command starts every process, answers, and stops cleanly on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import fields
from pathlib import Path

from devstack.processes import free_port
from devstack.servers import StackPorts


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return int(response.status), response.read()


def test_dev_stack_starts_everything_and_stops_cleanly(tmp_path: Path, project_root: Path) -> None:
    ports = StackPorts(*(free_port() for _ in fields(StackPorts)))
    args = [f"--{name.replace('_', '-')}-port={port}" for name, port in ports.labelled().items()]
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", *args, f"--data-dir={tmp_path}"],
        cwd=project_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C to stop everything." in line:
                break
        text = "".join(output)
        assert "The chat app is up" in text, text[-3000:]
        assert f"http://127.0.0.1:{ports.chat}/" in text
        assert f"FerretDB at mongodb://127.0.0.1:{ports.mongodb}/" in text
        for port in (ports.auth, ports.chat, ports.mail_health):
            status, body = get(f"http://127.0.0.1:{port}/readyz")
            assert status == 200, body
        status, body = get(f"http://127.0.0.1:{ports.mail_ui}/api/email")
        assert status == 200 and json.loads(body) == []

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == 0, rest[-3000:]
        assert "stopped cleanly" in rest
        for port in ports.labelled().values():
            # every child is gone: its port can be bound again
            probe = subprocess.run(
                ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=False
            )
            assert probe.stdout.strip() == "", f"port {port} still listening"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_dev_stack_explains_a_port_in_use(tmp_path: Path, project_root: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "devstack", f"--nats-port={taken}", f"--data-dir={tmp_path}"],
            cwd=project_root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {taken} (NATS client) is already in use" in result.stderr
    assert "Traceback" not in result.stderr
