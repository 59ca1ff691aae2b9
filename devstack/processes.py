"""Start child processes, wait until they answer, and stop them cleanly."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ReadyProbe = Callable[[], bool]
TAIL_LINES = 20  # of a child's output, shown when it dies


class StartupError(RuntimeError):
    """A child process exited or did not become ready; the message says which and why."""


# Listening ports are picked below the kernel's ephemeral range (from which every outgoing
# connection takes its local port). Services are started again on their own port (a
# restarted stack, a killed database); a port from that range may meanwhile have become the
# local port of some outgoing connection, and the restart then failed with "address already
# in use" (seen in a full test run).
LISTEN_PORTS_FROM = 20_000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()  # by this process: never handed out twice


def free_port() -> int:
    """A port nothing listens on, for a server of ours to listen on."""
    try:
        ephemeral_from = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_from = 32_768  # Linux's default
    span = ephemeral_from - LISTEN_PORTS_FROM
    for _ in range(200 if span > 1_000 else 0):
        port = LISTEN_PORTS_FROM + secrets.randbelow(span)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket() as sock:  # no room below the range: any port the kernel gives
        sock.bind(("127.0.0.1", 0))
        found: int = sock.getsockname()[1]
        return found


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


def describe_exit(returncode: int) -> str:
    """``exit code 1`` or ``killed by SIGKILL`` (Popen gives a signal as a negative code)."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


# Loaded in the parent: a forked child must not dlopen (it may hold another thread's lock).
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A ``preexec_fn``: the kernel SIGKILLs the child when the thread that forked it ends.

    That thread, not the process: children must be started from a thread that lives as long
    as the supervisor (devstack starts and restarts them from its main thread).
    """

    def in_child() -> None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return in_child


@dataclass
class ManagedProcess:
    """One child and how to start it again; ``process`` is replaced on a restart."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    ready: ReadyProbe | None = None
    color: str = "0"
    started_at: float = field(default_factory=time.monotonic)
    stopping: bool = False  # asked to stop: its exit is no crash ("unless-stopped")
    recent: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))

    def tail(self, lines: int = TAIL_LINES) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "\n".join(list(self.recent)[-lines:])
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _pump(stream: IO[bytes], prefix: str, out: IO[str], recent: deque[str]) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode(errors="replace").rstrip()
        recent.append(line)
        out.write(f"{prefix}{line}\n")
        out.flush()


@dataclass
class ProcessGroup:
    """Children started in order and stopped in reverse order (SIGTERM, then SIGKILL).

    Output goes to ``log_dir/<name>.log`` (tests) or is printed with a name prefix (dev).
    Each child is its own session, so Ctrl-C reaches only us and we stop children in order.
    With ``die_with_parent`` the kernel kills every child if we die (SIGKILL, OOM): no
    orphan keeps a port (Linux; see ``_die_with_parent`` for the thread caveat).
    """

    log_dir: Path | None = None
    echo: IO[str] | None = None
    die_with_parent: bool = False
    children: list[ManagedProcess] = field(default_factory=list)
    # Held while children are added, removed or relaunched (a supervisor thread restarts).
    lock: threading.RLock = field(default_factory=threading.RLock)
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
        with self.lock:
            color = self._colors[len(self.children) % len(self._colors)]
            log_path = None
            if self.echo is None:
                assert self.log_dir is not None
                self.log_dir.mkdir(parents=True, exist_ok=True)
                log_path = self.log_dir / f"{name}.log"
            child = ManagedProcess(
                name,
                self._popen(
                    [str(arg) for arg in argv], {**os.environ, **(env or {})}, cwd, log_path
                ),
                log_path,
                argv=[str(arg) for arg in argv],
                env={**os.environ, **(env or {})},
                cwd=cwd,
                ready=ready,
                color=color,
            )
            self._echo(child)
            self.children.append(child)
        if ready is not None:
            self.wait_ready(child, ready, timeout)
        return child

    def relaunch(self, child: ManagedProcess) -> None:
        """Start an exited child again with the same command, environment and log."""
        with self.lock:
            if child.log_path is not None:
                with child.log_path.open("a") as log:
                    log.write(f"--- {child.name} restarted by the supervisor ---\n")
            child.process = self._popen(child.argv, child.env, child.cwd, child.log_path)
            child.started_at = time.monotonic()
            self._echo(child)

    def _popen(
        self, argv: list[str], env: dict[str, str], cwd: Path | None, log_path: Path | None
    ) -> subprocess.Popen[bytes]:
        stdout: int | IO[bytes] = subprocess.PIPE if log_path is None else log_path.open("ab")
        try:
            return subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C goes to us; we stop children in order
                # One prctl call in the child before exec, nothing that could deadlock.
                preexec_fn=_die_with_parent(os.getpid()) if self.die_with_parent else None,
            )
        finally:
            if not isinstance(stdout, int):
                stdout.close()  # the child holds its own copy

    def _echo(self, child: ManagedProcess) -> None:
        if self.echo is None or child.process.stdout is None:
            return
        tty = getattr(self.echo, "isatty", lambda: False)()
        label = f"{child.name:>10} | "
        prefix = f"\033[{child.color}m{label}\033[0m" if tty else label
        threading.Thread(
            target=_pump, args=(child.process.stdout, prefix, self.echo, child.recent), daemon=True
        ).start()

    def wait_ready(self, child: ManagedProcess, ready: ReadyProbe, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise StartupError(
                    f"{child.name} exited ({describe_exit(child.process.returncode)}) while "
                    f"starting:\n{child.tail()}"
                )
            if ready():
                return
            time.sleep(0.05)
        raise StartupError(f"{child.name} did not become ready within {timeout:.0f}s")

    def stop(self, child: ManagedProcess, timeout: float = 10.0) -> int | None:
        child.stopping = True
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

    def remove(self, child: ManagedProcess) -> None:
        """Stop a child for good: no supervisor restarts it."""
        self.stop(child)
        with self.lock:
            self.children.remove(child)

    def stop_all(self) -> None:
        while True:
            with self.lock:
                if not self.children:
                    return
                child = self.children.pop()
            self.stop(child)

    def first_exited(self) -> ManagedProcess | None:
        return next((c for c in self.children if c.process.poll() is not None), None)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
