"""Live frames straight to uvicorn's socket transport, bypassing the ASGI ``send``.

One message goes to every open stream, so the per-client cost of a write is the fan-out's
cost. Through ASGI, each write wakes the client's task, builds a message dict that uvicorn's
``send`` checks and chunk-frames, and sleeps again: about two thirds of the CPU per delivery
(issue 15's profile) besides the ``write`` system call itself. Under uvicorn with httptools
(what devstack, the image and the tests run), a live stream's chunks are written to the
connection's transport by the fan-out itself, framed once per message for every client.

Everything else still goes through ``send``: the response head, the opening (retry and
backlog), the farewell that ends the chunked body, and any chunk while the transport has
paused writing (``send`` waits for it to drain, and the client's frames wait in its bounded
buffer meanwhile, so a slow client is still dropped, never buffered without end). Under any
other ASGI server ``direct_sink`` answers None and streams use ``send`` only.
"""

from __future__ import annotations

from collections.abc import Awaitable

from service_kit.serving.raw_asgi import Send

try:
    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
except ImportError:  # pragma: no cover - httptools missing: every stream uses send
    RequestResponseCycle = None  # type: ignore[assignment,misc]


def http_chunk(data: bytes) -> bytes:
    """``data`` as one HTTP/1.1 chunk of a chunked body."""
    return b"%x\r\n%b\r\n" % (len(data), data)


class DirectSink:
    """One stream's connection under uvicorn: its transport, and the event its task waits on."""

    __slots__ = ("_cycle",)

    def __init__(self, cycle: RequestResponseCycle) -> None:
        self._cycle = cycle

    def ready(self) -> bool:
        """True when a chunk can go to the transport now (connected, writing not paused)."""
        cycle = self._cycle
        return not cycle.flow.write_paused and not cycle.disconnected

    def write(self, chunk: bytes) -> None:
        self._cycle.transport.write(chunk)

    def disconnected(self) -> bool:
        return self._cycle.disconnected

    def wait(self) -> Awaitable[object]:
        """Until ``wake`` or the client's disconnect: what uvicorn's ``receive`` waits on,
        without the frame of ``receive`` itself, which an idle stream would keep for hours.
        The caller checks what a wake-up means (pending frames, the close, ``disconnected``)
        right before: nothing can happen in between on one event loop."""
        cycle = self._cycle
        cycle.flow.resume_reading()  # as ``receive`` does: a disconnect must be read to be seen
        cycle.message_event.clear()
        return cycle.message_event.wait()

    def wake(self) -> None:
        """The stream's task waits in ``wait``: wake it."""
        self._cycle.message_event.set()


def direct_writes_possible(send: Send) -> bool:
    """``send`` is uvicorn's (httptools): the stream can be written to directly once started."""
    cycle = getattr(send, "__self__", None)
    return RequestResponseCycle is not None and type(cycle) is RequestResponseCycle


def direct_sink(send: Send) -> DirectSink | None:
    """A sink for this response once its head is sent, or None (another server, not chunked)."""
    cycle = getattr(send, "__self__", None)
    if RequestResponseCycle is None or type(cycle) is not RequestResponseCycle:
        return None
    if not cycle.response_started or cycle.chunked_encoding is not True:
        return None
    return DirectSink(cycle)
