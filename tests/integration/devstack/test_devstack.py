"""The README's first command starts every process, answers, and stops cleanly on Ctrl-C.

A process that dies stops the stack with the reason (or is restarted with ``--restart``),
and none of the processes outlives devstack when devstack itself is SIGKILLed.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import fields
from pathlib import Path

import pytest

from devstack.__main__ import parse_args
from devstack.processes import free_port
from devstack.servers import StackPorts

pytestmark = pytest.mark.slow  # a whole topology per module: `./run test-slow`


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


def start_devstack(
    tmp_path: Path, project_root: Path, *options: str
) -> tuple[subprocess.Popen[str], StackPorts, list[str]]:
    """``python -m devstack`` on free ports, read up to its banner (the stack is ready)."""
    ports = StackPorts(*(free_port() for _ in range(len(StackPorts().labelled()))))
    args = [f"--{name.replace('_', '-')}-port={port}" for name, port in ports.labelled().items()]
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", *args, f"--data-dir={tmp_path}", *options],
        cwd=project_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = read_until(process, "Press Ctrl-C to stop everything.")
    assert "The chat app is up" in "".join(output), "".join(output)[-3000:]
    return process, ports, output


def read_until(process: subprocess.Popen[str], marker: str, patience: float = 90) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in the output:\n{''.join(lines)[-3000:]}")


def children_of(pid: int) -> dict[int, str]:
    """Every descendant process of ``pid``: its pid and command line."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = command_line(child)
                frontier.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def is_gone(pid: int) -> bool:
    """No such process, or a zombie waiting to be reaped (it holds no port any more)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def pid_running(devstack: int, module: str) -> int:
    (pid,) = [pid for pid, argv in children_of(devstack).items() if f"{module}.asgi" in argv]
    return pid


def listening(port: int) -> bool:
    probe = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=False
    )
    return probe.stdout.strip() != ""


def test_a_process_that_dies_stops_the_dev_stack_and_says_why(
    tmp_path: Path, project_root: Path
) -> None:
    process, ports, _ = start_devstack(tmp_path, project_root)
    try:
        os.kill(pid_running(process.pid, "mail_svc"), signal.SIGKILL)
        rest, _ = process.communicate(timeout=30)
        assert process.returncode == 1, rest[-3000:]
        assert "mail_svc exited (killed by SIGKILL); stopping the rest" in rest, rest[-3000:]
        for port in ports.labelled().values():
            assert not listening(port), f"port {port} still listening"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_with_restart_a_killed_process_comes_back_and_nothing_outlives_a_killed_devstack(
    tmp_path: Path, project_root: Path
) -> None:
    process, ports, _ = start_devstack(tmp_path, project_root, "--restart")
    children: dict[int, str] = {}
    try:
        killed = pid_running(process.pid, "mail_svc")
        os.kill(killed, signal.SIGKILL)
        output = "".join(read_until(process, "mail_svc is ready again", patience=60))
        assert re.search(r"mail_svc exited \(killed by SIGKILL\) after [\d.]+s; restarting", output)
        assert pid_running(process.pid, "mail_svc") != killed
        status, _ = get(f"http://127.0.0.1:{ports.mail_health}/readyz")
        assert status == 200

        children = children_of(process.pid)
        assert len(children) >= 6, children  # NATS, Valkey, maildev and the three services
        process.kill()  # SIGKILL: devstack cannot stop anything itself
        process.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(map(is_gone, children)):
            time.sleep(0.1)
        assert [children[pid] for pid in children if not is_gone(pid)] == []
        while time.monotonic() < deadline and any(map(listening, ports.labelled().values())):
            time.sleep(0.1)
        assert [port for port in ports.labelled().values() if listening(port)] == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in children:  # if the test failed: leave no orphan behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_the_stage_rehearsal_restarts_crashed_processes_and_dev_does_not_unless_asked() -> None:
    assert parse_args(["--stage"])[2].restart is True
    assert parse_args([])[2].restart is False
    assert parse_args(["--restart"])[2].restart is True
