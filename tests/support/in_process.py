"""An ASGI app under uvicorn inside the test's own event loop, on a free port (real sockets,
real streaming)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import uvicorn

from devstack.processes import free_port


async def request_body(receive: Any) -> bytes:
    """The whole body of an ASGI request (the fakes of outside services read it so)."""
    body = b""
    while True:
        message: dict[str, Any] = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


@asynccontextmanager
async def uvicorn_serving(
    app: Any, http: Any = "auto", lifespan: Literal["auto", "on", "off"] = "auto"
) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """``http`` is uvicorn's protocol (a name or a class), e.g. the one devstack and the image
    run. Yields the port and the server (its ``server_state`` holds the connections)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, http=http
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(20):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield port, server
    finally:
        server.should_exit = True  # callers close their streams first: uvicorn waits for them
        await task
