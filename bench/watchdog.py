"""A stuck benchmark says where it is stuck, then ends the run instead of hanging.

``kill -USR1 <bench pid>`` prints every thread's stack to stderr at any time. Each step runs
under ``step_deadline``: past it, every thread's stack and every asyncio task's stack are
printed, and the step is cancelled with ``StepOverranError`` naming it, so the usual
``finally`` blocks stop its processes. A step stuck in a blocking call holds the event loop
and cannot be cancelled: ``GRACE_SECONDS`` later the run exits (``OVERRAN_EXIT``) and the
kernel ends the children (bench/stack.py starts them ``die_with_parent``).
"""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

GRACE_SECONDS = 45.0  # for the cancelled step's finally blocks to stop its processes
OVERRAN_EXIT = 70  # EX_SOFTWARE


class StepOverranError(RuntimeError):
    """A bench step ran past its deadline (the message names the step)."""


def install_stack_dumps() -> None:
    """SIGUSR1: every thread's stack to stderr (works while the event loop is blocked)."""
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)


def dump_threads() -> None:
    """Every thread's stack, from any thread (a blocked one shows the call it is stuck in)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        sys.stderr.write(f"--- thread {names.get(ident, ident)}\n")
        traceback.print_stack(frame, file=sys.stderr)
    sys.stderr.flush()


def _await_chain(task: asyncio.Task[object]) -> list[tuple[FrameType, int]]:
    """The task's coroutine and each one it awaits, down to where it is suspended
    (``Task.print_stack`` shows only the outermost coroutine)."""
    chain: list[tuple[FrameType, int]] = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        chain.append((frame, frame.f_lineno))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return chain


def dump_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Each asyncio task's await chain (a thread dump shows only the event loop's
    ``select``). Runs on the loop's own thread."""
    sys.stderr.write("asyncio tasks, once the event loop was free to list them:\n")
    for task in asyncio.all_tasks(loop):
        sys.stderr.write(f"--- task {task.get_name()}\n")
        sys.stderr.writelines(traceback.StackSummary.extract(_await_chain(task)).format())
    sys.stderr.flush()


def _end_blocked_run(step: str, finished: threading.Event, grace: float) -> None:
    if finished.wait(grace):
        return
    log.error("bench step %r is blocking the event loop; ending the run", step)
    dump_threads()
    os._exit(OVERRAN_EXIT)


@asynccontextmanager
async def step_deadline(
    step: str, seconds: float, grace: float = GRACE_SECONDS
) -> AsyncIterator[None]:
    """Fail loudly, naming ``step``, when it runs longer than ``seconds``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    finished, overran = threading.Event(), threading.Event()

    def cancel_step() -> None:  # on the loop: it is responsive
        if not finished.is_set():
            dump_tasks(loop)
            task.cancel(f"{step} overran")

    def on_deadline() -> None:  # on the timer's thread
        overran.set()
        log.error("bench step %r still running after %g s; every stack follows", step, seconds)
        dump_threads()
        loop.call_soon_threadsafe(cancel_step)
        _end_blocked_run(step, finished, grace)

    timer = threading.Timer(seconds, on_deadline)
    timer.daemon = True
    timer.start()
    try:
        yield
    except asyncio.CancelledError:
        if not overran.is_set():
            raise
        task.uncancel()
        overrun = f"bench step {step!r} ran past its {seconds:g} s deadline"
        raise StepOverranError(overrun) from None
    finally:
        finished.set()
        timer.cancel()
