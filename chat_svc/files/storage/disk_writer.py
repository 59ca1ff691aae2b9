"""A streamed object on the disk store, written while its upload is still arriving (issue 31:
an upload's share of a direct write). obstore's writer is awaited chunk by chunk, so the
request stopped receiving for each write, and the final fsync found the whole file dirty.

Here each MiB goes to a staging file in a thread while the next MiB arrives (one write in
flight, so the order holds and memory stays bounded), and each write asks the kernel to
start writing it back at once (``sync_file_range``, Linux; elsewhere the final fsync does it
all). ``finish`` renames the staging file into place and fsyncs it and its directories
(durable_disk.py) before it returns: the same guarantee as before, with little left to sync.

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
# Each upload has at most one job here; four uploads write at once, more wait their turn.
DISK_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="disk-writes")


class DiskWriter:
    """Raises ``OSError`` when the disk refuses (full, gone, read-only).

    Its jobs run on ``DISK_THREADS``; a request cancelled while one runs cannot stop it, so
    ``abort`` lets the job end before it closes and removes the file (never under a job's
    feet: a descriptor closed early could be reused by another file)."""

    def __init__(self, root: Path, key: str) -> None:
        self._root = root
        self._key = key
        self._path = root / key
        self._staging = self._path.with_name(f"{self._path.name}#{secrets.randbelow(10**12)}")
        self._descriptor: int | None = None
        self._buffer = bytearray()
        self._written = 0
        self._job: Future[None] | None = None

    async def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= WRITE_BYTES:
            await self._hand_over()

    async def finish(self) -> None:
        """On the disk, under its key, once this returns."""
        await self._hand_over()
        await self._wait()
        self._job = DISK_THREADS.submit(self._complete)
        await self._wait()

    async def abort(self) -> None:
        """Nothing left once the running job ends (never raises: called while another error
        is handled)."""
        job, self._job = self._job, None
        if job is None:
            self._discard()
            return
        job.add_done_callback(lambda _: self._discard())  # at once if it is done
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(job)

    async def _hand_over(self) -> None:
        """The buffer to the writing thread once the previous write is done."""
        await self._wait()
        chunk, self._buffer = self._buffer, bytearray()
        offset, self._written = self._written, self._written + len(chunk)
        self._job = DISK_THREADS.submit(self._write_at, chunk, offset)

    async def _wait(self) -> None:
        if self._job is not None:
            await asyncio.wrap_future(self._job)  # a failed or cancelled one stays for abort
            self._job = None

    def _write_at(self, chunk: bytearray, offset: int) -> None:
        if self._descriptor is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            self._descriptor = os.open(self._staging, flags, 0o666)
        view, at = memoryview(chunk), offset
        while view:
            written = os.pwrite(self._descriptor, view, at)
            view, at = view[written:], at + written
        if START_WRITEBACK is not None and chunk:
            START_WRITEBACK(self._descriptor, offset, len(chunk), SYNC_FILE_RANGE_WRITE)

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
