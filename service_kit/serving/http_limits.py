"""uvicorn's HTTP protocol (httptools) with limits on reading request headers.

httptools buffers a header of any size and uvicorn waits for headers forever, so one client
can hold megabytes per connection or keep hundreds of half-sent requests open (slowloris).
This subclass refuses headers past ``HTTP_MAX_HEADER_BYTES`` (431) and closes a connection
whose headers are not complete within ``HTTP_HEADER_TIMEOUT_SECONDS`` of it opening or of
the previous response ending (408). It builds on ``LeanHttpToolsProtocol`` (less memory
per open connection, service_kit/serving/lean_http.py). Selected with
``uvicorn --http service_kit.serving.http_limits:HeaderLimitedHttpToolsProtocol``
(devstack/servers.py, deploy/entrypoint.sh); the edge applies the same limits in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from service_kit.serving.lean_http import LeanHttpToolsProtocol

log = logging.getLogger(__name__)

# nginx answers 494/400 past 8 KiB per line and 32 KiB in all; Node refuses past 16 KiB.
MAX_HEADER_BYTES = int(os.environ.get("HTTP_MAX_HEADER_BYTES", 16 * 1024))
HEADER_TIMEOUT_SECONDS = float(os.environ.get("HTTP_HEADER_TIMEOUT_SECONDS", 10))


def _plain_response(status: bytes, text: bytes) -> bytes:
    return b"".join(
        [
            b"HTTP/1.1 " + status + b"\r\n",
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(text)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            text,
        ]
    )


TOO_LARGE = _plain_response(b"431 Request Header Fields Too Large", b"Request headers too large.")
TOO_SLOW = _plain_response(b"408 Request Timeout", b"Request headers took too long.")


class HeaderLimitedHttpToolsProtocol(LeanHttpToolsProtocol):
    # Slots, not instance attributes: uvicorn's protocol already has so many that three more
    # grew every connection's attribute dict by 1.6 KB (tracemalloc, bench connections).
    __slots__ = ("_body_done", "_head_bytes", "_head_deadline", "_head_tail")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bytes of the current request's head so far; None once its headers are complete.
        self._head_bytes: int | None = 0
        self._head_tail = b""  # the last bytes seen, for a blank line split across reads
        self._head_deadline: asyncio.TimerHandle | None = None
        # Whether the current request's body has all arrived: an app may answer before it
        # reads it (a 413, a redirect), and the rest is still this request's, not a head.
        self._body_done = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            # Measured before parsing, so an oversized head never reaches the parser or
            # the app: up to the blank line that ends it, or all of this chunk if none yet.
            seen = self._head_tail + data
            end = seen.find(b"\r\n\r\n")
            size = self._head_bytes + (len(data) if end < 0 else end + 4 - len(self._head_tail))
            if size > MAX_HEADER_BYTES:
                log.warning("request headers too large", extra={"client": self.client})
                self._refuse(TOO_LARGE)
                return
            self._head_bytes = size
            self._head_tail = seen[-3:]
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        self._body_done = False
        self._cancel_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._body_done = True
        super().on_message_complete()
        if self.cycle is not None and self.cycle.response_complete:  # answered before the end
            self._expect_head_if_open()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._body_done:
            self._expect_head_if_open()

    def _expect_head_if_open(self) -> None:
        if not self.transport.is_closing():  # a kept-alive connection: the next head is due
            self._expect_head()

    def _expect_head(self) -> None:
        self._head_bytes = 0
        self._head_tail = b""
        self._cancel_deadline()
        self._head_deadline = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._head_too_slow)

    def _cancel_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self._head_bytes is not None and not self.transport.is_closing():
            if self._head_bytes:
                log.warning("request headers too slow", extra={"client": self.client})
            self._refuse(TOO_SLOW)

    def _refuse(self, response: bytes) -> None:
        self._cancel_deadline()
        self.transport.write(response)
        self.transport.close()
