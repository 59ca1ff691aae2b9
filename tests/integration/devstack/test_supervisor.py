"""The supervisor on tiny real child processes: stop with the reason, restart, give up."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from devstack.processes import ManagedProcess, ProcessGroup
from devstack.supervisor import RestartPolicy, Supervisor

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, max_quick_crashes=3, stable_after=5.0)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def supervise_until(
    supervisor: Supervisor, condition: object, patience: float = 15.0
) -> ManagedProcess | None:
    """Run the supervisor's checks until ``condition()`` holds or a child ends the stack."""
    assert callable(condition)
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        ending = supervisor.check()
        if ending is not None or condition():
            return ending
        time.sleep(0.02)
    raise AssertionError(f"supervision did not get there: {supervisor.events}")


def kinds(supervisor: Supervisor) -> list[str]:
    return [event.kind for event in supervisor.events]


def test_without_a_policy_the_first_exit_ends_the_stack_with_its_reason_and_output(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    group = ProcessGroup(log_dir=tmp_path)
    group.start("worker", python("print('cannot open the widget'); raise SystemExit(3)"))
    try:
        ending = supervise_until(Supervisor(group, None, said.append), lambda: False)
    finally:
        group.stop_all()
    assert ending is not None and ending.name == "worker"
    assert said[0] == "worker exited (exit code 3); stopping the rest. Its last lines:"
    assert "cannot open the widget" in said[1]


def test_a_process_that_refuses_to_start_once_is_restarted_and_becomes_ready(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "tried-once"
    code = (
        "import pathlib, sys, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.touch(); sys.exit(98)\n"  # like a port in use
        "time.sleep(60)\n"
    )
    said: list[str] = []
    group = ProcessGroup(log_dir=tmp_path / "logs")
    group.start("flaky", python(code), ready=None)
    supervisor = Supervisor(group, FAST, said.append)
    try:
        ending = supervise_until(supervisor, lambda: "ready" in kinds(supervisor))
    finally:
        group.stop_all()
    assert ending is None
    assert kinds(supervisor) == ["exited", "restarted", "ready"]
    assert said[0].startswith("flaky exited (exit code 98) after ")
    assert "restarting in 0.1s (crash 1 of at most 3 in a row)" in said[0]
    assert supervisor.given_up == []


def test_a_process_that_crashes_in_a_loop_is_given_up_after_a_bounded_number_of_tries(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    group = ProcessGroup(log_dir=tmp_path)
    group.start("crasher", python("import sys; print('bad config'); sys.exit(2)"))
    supervisor = Supervisor(group, FAST, said.append)
    try:
        ending = supervise_until(supervisor, lambda: False)
    finally:
        group.stop_all()
    assert ending is not None and ending.name == "crasher"
    assert supervisor.given_up == ["crasher"]
    # (without a readiness probe a restarted child counts as ready while it runs at all)
    crashes = [kind for kind in kinds(supervisor) if kind != "ready"]
    assert crashes == ["exited", "restarted"] * 3 + ["exited", "gave up"]
    delays = [
        line.split("restarting in ")[1].split("s")[0] for line in said if "restarting" in line
    ]
    assert delays == ["0.1", "0.1", "0.2"]  # 0.05 doubled each time, capped at 0.2
    assert said[-1].startswith("giving up on crasher: it crashed 4 times in a row")
    assert "bad config" in said[-1]


def test_a_stopped_process_is_not_restarted(tmp_path: Path) -> None:
    group = ProcessGroup(log_dir=tmp_path)
    child = group.start("sleeper", python("import time; time.sleep(60)"))
    supervisor = Supervisor(group, FAST)
    group.stop(child)  # as Ctrl-C or a test's stop_process does
    try:
        for _ in range(10):
            assert supervisor.check() is None
            time.sleep(0.02)
    finally:
        group.stop_all()
    assert supervisor.events == []
