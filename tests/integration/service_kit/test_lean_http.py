"""uvicorn's protocol as devstack and the image run it (service_kit/serving/http_limits.py on
service_kit/serving/lean_http.py): its lists in place of uvicorn's deques keep uvicorn's behaviour
(pipelined requests in order, a paused transport drained, a disconnect seen), and it holds
no more per connection than uvicorn's own protocol does."""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service_kit.serving.http_limits import HeaderLimitedHttpToolsProtocol
from service_kit.serving.lean_http import ListEvent
from tests.support.in_process import uvicorn_serving

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
BIG_CHUNK = b"x" * (1 << 20)
BIG_CHUNKS = 16


class Probe:
    """A raw ASGI app that records what the server did for it."""

    def __init__(self) -> None:
        self.saw_write_paused = False
        self.disconnected = asyncio.Event()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/big":
            flow = send.__self__.flow  # type: ignore[attr-defined]  # uvicorn's cycle
            for _ in range(BIG_CHUNKS):
                self.saw_write_paused |= flow.write_paused
                await send({"type": "http.response.body", "body": BIG_CHUNK, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        elif scope["path"] == "/stream":
            await send({"type": "http.response.body", "body": b"open", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            self.disconnected.set()
        else:
            await send({"type": "http.response.body", "body": scope["path"].encode()})


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One response with a Content-Length or chunked body; its body."""
    head = await reader.readuntil(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        return await reader.readexactly(length)
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readexactly(2)
    return body


async def test_pipelined_requests_are_answered_in_order() -> None:
    # The second and third request wait in the protocol's queue while the first is answered.
    async with uvicorn_serving(Probe(), HeaderLimitedHttpToolsProtocol) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"".join(f"GET /{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for n in "abc"))
        async with asyncio.timeout(10):
            bodies = [await read_response(reader) for _ in range(3)]
        writer.close()
    assert bodies == [b"/a", b"/b", b"/c"]


async def test_a_paused_transport_is_drained_and_everything_arrives() -> None:
    # 16 MB to a client that reads nothing for a while: the transport pauses writing and
    # ``send`` waits on the connection's "writable" event until the client reads again.
    probe = Probe()
    async with uvicorn_serving(probe, HeaderLimitedHttpToolsProtocol) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
        writer.write(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0.5)
        async with asyncio.timeout(20):
            body = await read_response(reader)
        writer.close()
    assert probe.saw_write_paused
    assert body == BIG_CHUNK * BIG_CHUNKS


async def test_a_disconnect_reaches_the_app_waiting_in_receive() -> None:
    probe = Probe()
    async with uvicorn_serving(probe, HeaderLimitedHttpToolsProtocol) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        await reader.readuntil(b"open")
        writer.close()
        async with asyncio.timeout(10):
            await probe.disconnected.wait()


async def test_a_connection_holds_no_deque_and_no_more_attributes_than_uvicorns() -> None:
    sizes = {}
    for protocol_class in (HttpToolsProtocol, HeaderLimitedHttpToolsProtocol):
        async with uvicorn_serving(Probe(), protocol_class) as (port, server):
            connections = [await asyncio.open_connection("127.0.0.1", port) for _ in "ab"]
            for reader, writer in connections:
                writer.write(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                await reader.readuntil(b"open")
            first, second = cast(set[Any], server.server_state.connections)
            sizes[protocol_class] = sys.getsizeof(first.__dict__)
            if protocol_class is HeaderLimitedHttpToolsProtocol:
                assert not isinstance(first.pipeline, deque)
                assert isinstance(first.flow._is_writable_event, ListEvent)
                assert isinstance(first.cycle.message_event, ListEvent)
                assert first.server is second.server  # one tuple for the listening address
            for _, writer in connections:
                writer.close()
                await writer.wait_closed()
    # Within a few bytes (CPython's key sharing varies with what ran before); attributes
    # of its own once grew every connection's dict by 1.6 KB.
    assert sizes[HeaderLimitedHttpToolsProtocol] <= sizes[HttpToolsProtocol] + 64


async def waiting(event: ListEvent) -> bool:
    """A task waiting as uvicorn's ``receive`` and ``drain`` do."""
    return await event.wait()


async def test_list_event_wakes_its_waiters_and_a_cancelled_one_leaves_the_rest() -> None:
    event = ListEvent()
    first = asyncio.create_task(waiting(event))
    second = asyncio.create_task(waiting(event))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    assert first.cancelled() and not second.done()
    event.set()
    assert await asyncio.wait_for(second, 1) is True
    assert event.is_set() and await event.wait() is True
    event.clear()
    third = asyncio.create_task(waiting(event))
    await asyncio.sleep(0.01)
    assert not third.done()
    event.set()
    await asyncio.wait_for(third, 1)
    await asyncio.sleep(0)
    assert event._waiters == []  # woken and cancelled waiters alike are let go


@pytest.mark.parametrize("is_set", [True, False])
def test_list_event_starts_as_told(is_set: bool) -> None:
    assert ListEvent(is_set).is_set() is is_set


async def test_a_body_still_arriving_after_the_answer_is_not_read_as_the_next_head() -> None:
    # An app may answer before reading the body (a 413, a redirect). The rest of that body
    # still belongs to its request: counted as the next request's head it made a 431.
    body = b"x" * (64 * 1024)
    async with uvicorn_serving(Probe(), HeaderLimitedHttpToolsProtocol) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        async with asyncio.timeout(10):
            first = await read_response(reader)
            writer.write(body + b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            second = await read_response(reader)
        writer.close()
    assert (first, second) == (b"/early", b"/next")
