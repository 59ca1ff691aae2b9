"""Watch a process group: stop everything when a child dies, or restart it with backoff.

Without a policy (``./run dev``) the first child that exits ends the stack, and the log
says which and why. With a ``RestartPolicy`` (``./run stage``, ``--restart``) a crashed
child is started again after a growing delay, like compose's ``restart: unless-stopped``;
one that keeps crashing soon after each start is given up and that ends the stack.

Our own small loop rather than supervisord or circus: those are daemons driven by their
own config files and control sockets, while this one shares ``ProcessGroup`` (ordered
start-up waiting on readiness probes, log files per child) with the test fixtures, and a
test can run it in a thread and read what it did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.processes import ManagedProcess, ProcessGroup, describe_exit


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 0.5
    max_delay: float = 8.0
    # Given up after this many crashes in a row, each sooner than ``stable_after`` seconds
    # after its start; a child that ran longer than that starts counting again from one.
    max_quick_crashes: int = 5
    stable_after: float = 10.0

    def delay(self, crashes_in_a_row: int) -> float:
        return float(min(self.first_delay * 2.0 ** (crashes_in_a_row - 1), self.max_delay))


@dataclass(frozen=True)
class SupervisionEvent:
    name: str
    kind: str  # "exited", "restarted", "ready", "gave up"
    at: float  # time.monotonic()
    detail: str = ""


@dataclass
class _Watch:
    crashes_in_a_row: int = 0
    restart_at: float | None = None  # scheduled, after an exit
    awaiting_ready: bool = False
    exited_at: float = 0.0


@dataclass
class Supervisor:
    group: ProcessGroup
    policy: RestartPolicy | None = None
    say: Callable[[str], None] = lambda _message: None
    events: list[SupervisionEvent] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    _watches: dict[str, _Watch] = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    def check(self) -> ManagedProcess | None:
        """One look at every child; returns the child that ends the stack, if any."""
        now = time.monotonic()
        with self.group.lock:
            children = [child for child in self.group.children if not child.stopping]
        for child in children:
            watch = self._watches.setdefault(child.name, _Watch())
            if watch.restart_at is not None:
                if now >= watch.restart_at:
                    self._restart(child, watch)
                continue
            returncode = child.process.poll()
            if returncode is None:
                if watch.awaiting_ready and (child.ready is None or child.ready()):
                    watch.awaiting_ready = False
                    took = time.monotonic() - watch.exited_at
                    self._record(child, "ready", f"{took:.1f}s after it exited")
                    self.say(f"{child.name} is ready again, {took:.1f}s after it exited")
                continue
            if self._exited(child, watch, returncode, now):
                return child
        return None

    def _exited(self, child: ManagedProcess, watch: _Watch, returncode: int, now: float) -> bool:
        how = describe_exit(returncode)
        self._record(child, "exited", how)
        if self.policy is None:
            self.say(f"{child.name} exited ({how}); stopping the rest. Its last lines:")
            self.say(_indent(child.tail()))
            return True
        ran = now - child.started_at
        watch.crashes_in_a_row = (
            1 if ran >= self.policy.stable_after else watch.crashes_in_a_row + 1
        )
        watch.awaiting_ready = False
        watch.exited_at = now
        if watch.crashes_in_a_row > self.policy.max_quick_crashes:
            self.given_up.append(child.name)
            self._record(child, "gave up", how)
            self.say(
                f"giving up on {child.name}: it crashed {watch.crashes_in_a_row} times in a "
                f"row, each within {self.policy.stable_after:.0f}s of starting ({how}). "
                f"Its last lines:\n{_indent(child.tail())}"
            )
            return True
        delay = self.policy.delay(watch.crashes_in_a_row)
        watch.restart_at = now + delay
        self.say(
            f"{child.name} exited ({how}) after {ran:.1f}s; restarting in {delay:.1f}s "
            f"(crash {watch.crashes_in_a_row} of at most {self.policy.max_quick_crashes} "
            "in a row)"
        )
        return False

    def _restart(self, child: ManagedProcess, watch: _Watch) -> None:
        watch.restart_at = None
        with self.group.lock:
            if child.stopping or child not in self.group.children:
                return
            self.group.relaunch(child)
        watch.awaiting_ready = True
        self._record(child, "restarted", f"pid {child.process.pid}")
        self.say(f"restarted {child.name} (pid {child.process.pid})")

    def _record(self, child: ManagedProcess, kind: str, detail: str) -> None:
        self.events.append(SupervisionEvent(child.name, kind, time.monotonic(), detail))

    # In a thread, for tests: the stack lives in the test process.

    def start_in_background(self, interval: float = 0.1) -> None:
        def loop() -> None:
            while not self._stopping.wait(interval):
                if self.check() is not None:
                    return

        self._thread = threading.Thread(target=loop, name="devstack supervisor", daemon=True)
        self._thread.start()

    def stop_background(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in (text or "(no output)").splitlines())
