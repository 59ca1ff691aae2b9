"""Access logs never carry the secrets some URLs hold (set-password and reset tokens, the
hand-off code, the one-click unsubscribe token): the real uvicorn access logger, configured
as the services configure it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import httpx
import pytest
import uvicorn

from devstack.processes import free_port
from service_kit.logging_setup import configure_logging

Message = MutableMapping[str, Any]


async def hello(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging and uvicorn point handlers at this test's captured streams, which
    close after it: put every touched logger back as it was."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {
        name: (list(log.handlers), list(log.filters), log.level, log.propagate)
        for name in names
        for log in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, filters, level, propagate) in saved.items():
        log = logging.getLogger(name)
        log.handlers[:], log.filters[:] = handlers, filters
        log.setLevel(level)
        log.propagate = propagate


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize("json_lines", [False, True])
async def test_token_and_code_query_values_are_redacted_in_access_logs(
    capsys: pytest.CaptureFixture[str], json_lines: bool
) -> None:
    port = free_port()
    # uvicorn configures its loggers first, then imports the app, which configures ours.
    config = uvicorn.Config(hello, host="127.0.0.1", port=port, lifespan="off", access_log=True)
    configure_logging("test_svc", json_lines=json_lines)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for path in (
                "/set-password?token=SECRET-SET",
                "/reset-password?token=SECRET-RESET&x=1",
                "/session/start?next=%2F&code=SECRET-CODE",
                "/unsubscribe/mentions/v1.SECRET-UNSUBSCRIBE",
            ):
                assert (await client.get(path)).status_code == 200
    finally:
        server.should_exit = True
        await task
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert "/reset-password" in logs and "/session/start" in logs, logs
    assert "/unsubscribe/mentions/[redacted]" in logs, logs
    assert "SECRET" not in logs, logs
    assert "x=1" in logs and "next=%2F" in logs  # other parameters stay readable
