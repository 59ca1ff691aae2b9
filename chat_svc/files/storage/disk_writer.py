"""A streamed object on the disk store, written while its upload is still arriving (issue 31:
an upload's share of a direct write). obstore's writer was awaited chunk by chunk (a round
trip to its threads each time), and the final fsync found the whole file dirty.

Here each MiB is written to a staging file as it completes, on the event loop, and the
kernel is asked to start writing it back at once (``sync_file_range``, Linux; elsewhere the
final fsync does it all), so the writeback runs on other cores while the next MiB arrives.
``finish`` renames the staging file into place and fsyncs it and its directories
(durable_disk.py) in a thread before it returns: the same guarantee as before, with little
left to sync.

Why on the loop: a write into the page cache is a copy, 0.1-0.3 ms a MiB, and a thread per
write cost more than it saved (GIL hand-offs against the receiving loop on the replica's one
core; docs/performance.md, "Files, third pass"). It would block longer only when the kernel
throttles a writer past its dirty-page limit, which the early writeback makes rarer.

The staging file is ``<key>#<digits>``, obstore's own staging name, which its listing skips;
one left by a crash sits beside an object the sweeper removes, as obstore's would."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from chat_svc.files.storage.durable_disk import sync_object

WRITE_BYTES = 1024 * 1024
SYNC_FILE_RANGE_WRITE = 2  # <fcntl.h>: start writeback of dirty pages, do not wait


def _sync_file_range() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """libc's ``sync_file_range`` (Python's os module does not offer it), or None."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


START_WRITEBACK = _sync_file_range()
# The final fsyncs: four uploads complete at once, more wait their turn.
DISK_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="disk-fsyncs")


class DiskWriter:
    """Raises ``OSError`` when the disk refuses (full, gone, read-only)."""

    def __init__(self, root: Path, key: str) -> None:
        self._root = root
        self._key = key
        self._path = root / key
        self._staging = self._path.with_name(f"{self._path.name}#{secrets.randbelow(10**12)}")
        self._descriptor: int | None = None
        self._buffer = bytearray()
        self._written = 0
        self._completing: Future[None] | None = None

    async def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= WRITE_BYTES:
            self._write_out()

    async def finish(self) -> None:
        """On the disk, under its key, once this returns."""
        self._write_out()
        self._completing = DISK_THREADS.submit(self._complete)
        await asyncio.wrap_future(self._completing)

    async def abort(self) -> None:
        """Nothing left (never raises: called while another error is handled). A request
        cancelled while it finished cannot stop the thread: the file goes once it ends."""
        completing = self._completing
        if completing is None:
            self._discard()
            return
        completing.add_done_callback(lambda _: self._discard())  # at once if it ended
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(completing)

    def _write_out(self) -> None:
        if self._descriptor is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            self._descriptor = os.open(self._staging, flags, 0o666)
        view, offset = memoryview(self._buffer), self._written
        while view:
            written = os.pwrite(self._descriptor, view, offset)
            view, offset = view[written:], offset + written
        if START_WRITEBACK is not None and self._buffer:
            start = self._written
            START_WRITEBACK(self._descriptor, start, offset - start, SYNC_FILE_RANGE_WRITE)
        self._written = offset
        self._buffer = bytearray()

    def _complete(self) -> None:
        self._close()
        self._staging.replace(self._path)
        sync_object(self._root, self._key)

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            self._close()
        with contextlib.suppress(OSError):
            self._staging.unlink(missing_ok=True)

    def _close(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)
