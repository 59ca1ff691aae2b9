"""A stuck benchmark names itself and where it is stuck, then ends (bench/watchdog.py)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from bench.limits import echo_probe
from bench.watchdog import OVERRAN_EXIT, StepOverranError, step_deadline


async def _waits_forever() -> None:
    await _never_set()


async def _never_set() -> None:
    await asyncio.Event().wait()


async def test_a_step_past_its_deadline_fails_naming_it_with_the_stacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(StepOverranError, match=r"'limits' ran past its 0\.2 s deadline"):
        async with step_deadline("limits", 0.2):
            await _waits_forever()
    printed = capsys.readouterr().err
    assert "--- thread MainThread" in printed  # every thread's stack
    assert "in _never_set" in printed  # and where the task's awaits are suspended


async def test_a_step_within_its_deadline_is_left_alone() -> None:
    async with step_deadline("quick", 5):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # nothing cancels this task afterwards
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


def test_a_step_blocking_the_event_loop_ends_the_run() -> None:
    script = textwrap.dedent(
        """
        import asyncio, time
        from bench.watchdog import step_deadline

        async def main():
            async with step_deadline("stuck", 0.2, grace=0.3):
                time.sleep(60)  # a blocking call: the loop never gets to cancel it

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == OVERRAN_EXIT, done.stderr
    assert "'stuck' is blocking the event loop" in done.stderr
    assert "line 7, in main" in done.stderr  # the blocking call's line


def test_the_echo_probe_is_not_fooled_by_another_server_on_the_port() -> None:
    """free_port's port taken by another process in between: it accepts, never echoes (the
    bare TCP probe said ready, and the loopback floor waited on it forever)."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(other.accept()[0]), daemon=True).start()
        assert not echo_probe(port)()
        for connection in accepted:
            connection.close()
