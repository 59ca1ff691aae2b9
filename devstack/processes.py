"""Start child processes, wait until they answer, and stop them cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ReadyProbe = Callable[[], bool]


class StartupError(RuntimeError):
    """A child process exited or did not become ready; the message says which and why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def tcp_probe(port: int, host: str = "127.0.0.1") -> ReadyProbe:
    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False

    return probe


def http_probe(url: str) -> ReadyProbe:
    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:  # noqa: S310 - our URL
                return 200 <= int(response.status) < 300
        except (urllib.error.URLError, OSError):
            return False

    return probe


def mongodb_probe(url: str) -> ReadyProbe:
    """Ready once the server answers ``ping`` (a listening port alone is not enough)."""

    def probe() -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client: MongoClient[dict[str, object]] = MongoClient(
            url, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            client.admin.command("ping")
            return True
        except PyMongoError:
            return False
        finally:
            client.close()

    return probe


@dataclass
class ManagedProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    def tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _pump(stream: IO[bytes], prefix: str, out: IO[str]) -> None:
    for raw in iter(stream.readline, b""):
        out.write(f"{prefix}{raw.decode(errors='replace').rstrip()}\n")
        out.flush()


@dataclass
class ProcessGroup:
    """Children started in order and stopped in reverse order (SIGTERM, then SIGKILL).

    Output goes to ``log_dir/<name>.log`` (tests) or is printed with a name prefix (dev).
    """

    log_dir: Path | None = None
    echo: IO[str] | None = None
    children: list[ManagedProcess] = field(default_factory=list)
    _colors: tuple[str, ...] = ("36", "33", "35", "32", "34", "31", "96", "93", "95", "92")

    def start(
        self,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        env: Mapping[str, str] | None = None,
        ready: ReadyProbe | None = None,
        timeout: float = 30.0,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        log_path = None
        if self.echo is None:
            assert self.log_dir is not None
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / f"{name}.log"
            stdout: int | IO[bytes] = log_path.open("ab")
        else:
            stdout = subprocess.PIPE
        process = subprocess.Popen(
            [str(arg) for arg in argv],
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C goes to us; we stop children in order
        )
        if self.echo is not None and process.stdout is not None:
            color = self._colors[len(self.children) % len(self._colors)]
            tty = getattr(self.echo, "isatty", lambda: False)()
            label = f"{name:>10} | "
            prefix = f"\033[{color}m{label}\033[0m" if tty else label
            threading.Thread(
                target=_pump, args=(process.stdout, prefix, self.echo), daemon=True
            ).start()
        child = ManagedProcess(name, process, log_path)
        self.children.append(child)
        if ready is not None:
            self.wait_ready(child, ready, timeout)
        return child

    def wait_ready(self, child: ManagedProcess, ready: ReadyProbe, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise StartupError(
                    f"{child.name} exited with code {child.process.returncode} while starting"
                    + (f":\n{child.tail()}" if child.log_path else " (see its output above)")
                )
            if ready():
                return
            time.sleep(0.05)
        raise StartupError(f"{child.name} did not become ready within {timeout:.0f}s")

    def stop(self, child: ManagedProcess, timeout: float = 10.0) -> int | None:
        if child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGTERM)
            try:
                child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        return child.process.returncode

    def stop_all(self) -> None:
        while self.children:
            self.stop(self.children.pop())

    def first_exited(self) -> ManagedProcess | None:
        return next((c for c in self.children if c.process.poll() is not None), None)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
