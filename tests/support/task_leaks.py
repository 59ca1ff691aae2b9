"""Which of the services' own tasks a test left running."""

from __future__ import annotations

import asyncio
from pathlib import Path

SERVICE_CODE = tuple(
    str(Path(__file__).resolve().parents[2] / package) + "/"
    for package in ("auth_svc", "chat_svc", "mail_svc", "service_kit")
)


def _runs_service_code(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(SERVICE_CODE)


async def service_tasks_left(
    before: set[asyncio.Task[object]], grace_seconds: float = 15.0
) -> list[str]:
    """The tasks started since ``before`` that run service code and have not ended within
    ``grace_seconds``: work handed off after a response may still be finishing, through a
    database or Redis timeout (2 s each) when a test took that server down."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_seconds
    while True:
        left = [
            task
            for task in asyncio.all_tasks()
            if task not in before and not task.done() and _runs_service_code(task)
        ]
        if not left or loop.time() >= deadline:
            return sorted(task.get_coro().__qualname__ for task in left)  # type: ignore[union-attr]
        await asyncio.sleep(0.05)
