"""Removes uploads that never became a message (the post failed or was never sent) once
they are older than the grace period. Every replica sweeps; removal is idempotent."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chat_svc.files.file_records import grace_cutoff, select_unattached_before
from chat_svc.files.processing.file_work import FileWork

log = logging.getLogger(__name__)


class UploadSweeper:
    def __init__(self, work: FileWork, grace_seconds: float, every_seconds: float) -> None:
        self._work = work
        self._grace = grace_seconds
        self._every = every_seconds
        self._stopping = asyncio.Event()

    async def sweep(self, grace_seconds: float | None = None) -> int:
        """One pass; how many uploads it removed (``grace_seconds``: this pass's own)."""
        grace = self._grace if grace_seconds is None else grace_seconds
        left = await select_unattached_before(grace_cutoff(grace))
        for found in left:
            await self._work.remove(found)
        if left:
            log.info("unsent uploads removed", extra={"count": len(left)})
        return len(left)

    async def run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._every)
                return
            try:
                await self.sweep()
            except Exception as error:  # the store or the database away: next pass
                log.warning("upload sweep failed: %s", error)

    def stop(self) -> None:
        self._stopping.set()
