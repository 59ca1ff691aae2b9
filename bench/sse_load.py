"""An SSE load client that holds thousands of streams from one process.

Each stream is a bare asyncio protocol (no HTTP library per connection): it sends one GET,
then only looks for ``id:`` lines and the ``bench:<seq>:`` marker the publisher puts in every
message body, and records when each arrived. ``check()`` then proves every client got every
message exactly once and in the same order as every other client.
"""

from __future__ import annotations

import asyncio
import re
import resource
import time
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ID_LINE = re.compile(rb"(?:^|\n)id: (\d+)\r?\n")
SEQ_MARK = re.compile(rb"bench:(\d+):(\d+):")
FRAME_ENDS = (b"\n\n", b"\r\n\r\n")


# What Chromium sends with an EventSource request besides Host, Accept and Cookie: an open
# stream's memory depends on what the server keeps of its request, so the bench opens them
# as a browser does (a form-session cookie comes with the session's).
BROWSER_HEADERS = (
    "Connection: keep-alive\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36\r\n"
    'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"\r\n'
    "sec-ch-ua-mobile: ?0\r\n"
    'sec-ch-ua-platform: "Linux"\r\n'
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Accept-Language: en-GB,en;q=0.9\r\n"
)
FORM_SESSION_COOKIE = "chat_form_session=" + "f" * 90  # the length of a signed one


def raise_file_limit() -> int:
    """Up to the hard limit: each stream is one file descriptor on each side."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class SseStream(asyncio.Protocol):
    """Reading costs one append per network read; frames are parsed after the step, so the
    load client's own work delays the arrival times it records as little as possible."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.status = 0
        self.head = b""
        self.chunks: list[tuple[float, bytes]] = []
        self.seen = 0  # frames with an id so far (a cheap count, exact after parse())
        self.ids = array("q")
        self.seqs = array("q")
        self.due = array("d")
        self.arrivals = array("d")
        self.other_events: list[bytes] = []
        self.typing_frames = 0  # "is typing" signals (the typing bench), counted as they come

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.status:
            self.chunks.append((time.time(), data))
            self.seen += data.count(b"\nid: ")
            self.typing_frames += data.count(b"event: typing")
            return
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return
        self.status = int(self.head.split(b" ", 2)[1])
        rest, self.head = self.head[end + 4 :], b""
        if not self.opened.done():
            self.opened.set_result(None)
        if rest:
            self.data_received(rest)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed before answering: {exc}"))

    def parse(self) -> None:
        """Turn the raw reads into (id, seq, due, arrival) rows; a frame arrives with the read
        that completes it."""
        tail = b""
        for arrival, data in self.chunks:
            buffer = tail + data
            cut = max(buffer.rfind(end) + len(end) if end in buffer else 0 for end in FRAME_ENDS)
            complete, tail = buffer[:cut], buffer[cut:]
            if not complete:
                continue
            ids = ID_LINE.findall(complete)
            marks = SEQ_MARK.findall(complete)
            self.ids.extend(int(i) for i in ids)
            self.seqs.extend(int(seq) for seq, _ in marks)
            self.due.extend(int(due) / 1_000_000 for _, due in marks)
            self.arrivals.extend(arrival for _ in marks)
            if b"event: reload" in complete or b"event: signed-out" in complete:
                self.other_events.append(complete[:200])
        self.chunks = []
        self.seen = len(self.ids)

    def reset(self) -> None:
        self.chunks, self.seen = [], 0
        self.ids, self.seqs, self.due, self.arrivals = (
            array("q"),
            array("q"),
            array("d"),
            array("d"),
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class SseCrowd:
    """Many streams to one ``/events`` URL, opened in batches."""

    streams: list[SseStream] = field(default_factory=list)

    async def open(self, url: str, count: int, cookies: Sequence[str], batch: int = 50) -> None:
        # ``batch`` openings at once: the fan-out opens all of them together, as clients
        # reconnecting after a deploy do (their database work is batched: chat_svc/stream_storms).
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        loop = asyncio.get_running_loop()

        async def one(index: int) -> SseStream:
            request = (
                f"GET {parts.path or '/events'} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Accept: text/event-stream\r\n{BROWSER_HEADERS}"
                f"Referer: http://{host}:{port}/rooms/general\r\n"
                f"Cookie: {cookies[index % len(cookies)]}; {FORM_SESSION_COOKIE}\r\n\r\n"
            ).encode()
            _, stream = await loop.create_connection(lambda: SseStream(request), host, port)
            await asyncio.wait_for(stream.opened, 30)
            if stream.status != 200:
                raise ConnectionError(f"/events answered {stream.status}")
            return stream

        for start in range(len(self.streams), len(self.streams) + count, batch):
            size = min(batch, len(self.streams) + count - start)
            self.streams.extend(await asyncio.gather(*(one(start + i) for i in range(size))))

    def reset(self) -> None:
        for stream in self.streams:
            stream.reset()

    def parse(self) -> None:
        for stream in self.streams:
            stream.parse()

    async def wait_for(self, expected_each: int, patience: float) -> bool:
        """True once every stream holds ``expected_each`` messages (polled, bounded)."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if all(s.seen >= expected_each for s in self.streams):
                return True
            await asyncio.sleep(0.05)
        return False

    def check(self, expected: Sequence[int], unsure: Collection[int] = ()) -> list[str]:
        """Problems found: a missing, duplicated or reordered message, a closed stream.
        ``unsure``: posts that failed (may or may not have been stored), ignored."""
        problems: list[str] = []
        wanted = sorted(expected)
        reference: list[int] | None = None
        for index, stream in enumerate(self.streams):
            got = [seq for seq in stream.seqs if seq not in unsure]
            if stream.closed:
                problems.append(f"client {index}: stream closed by the server")
            if stream.other_events:
                problems.append(f"client {index}: {stream.other_events[0][:60]!r}")
            if sorted(got) != wanted:
                missing = len(set(wanted) - set(got))
                problems.append(
                    f"client {index}: {len(got)} of {len(wanted)} messages, {missing} missing"
                )
            elif len(stream.ids) != len(stream.seqs) or list(stream.ids) != sorted(stream.ids):
                problems.append(f"client {index}: message ids out of order")
            if reference is None:
                reference = got
            elif got != reference and sorted(got) == wanted:
                problems.append(f"client {index}: order differs from client 0")
            if len(problems) > 20:
                break
        return problems

    def latencies_ms(self) -> list[float]:
        """Arrival minus the scheduled send time carried in each message (after parse())."""
        return [
            (arrival - due) * 1000
            for stream in self.streams
            for due, arrival in zip(stream.due, stream.arrivals, strict=True)
        ]

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
