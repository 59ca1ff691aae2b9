"""Reads an index in Valkey could not answer, sent to the store one at a time per replica.

On FerretDB each of them is a scan, and a stream of them starves the index's own rebuild
(chat's history: 100,000 messages rebuilt in 39 s alone, 60% done after 10 minutes under one
read every 5 s). So a read waits its turn at most ``turn_seconds`` (a small store's reads are
quick: pages after a Valkey restart still load), and once a store read timed out during a
rebuild (the store is too large to scan in time) the others are refused at once until that
rebuild ends. Used by chat's history index and auth's account index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo.errors import PyMongoError

T = TypeVar("T")


@dataclass
class StoreTurns:
    refusal: Callable[[], Exception]  # what a refused read raises (a 503 with Retry-After)
    turn_seconds: float = 2.0
    _reads: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    _too_slow: bool = False  # a store read timed out during the current rebuild

    async def read(self, read: Callable[[], Awaitable[T]], *, rebuilding: bool) -> T:
        if rebuilding and self._too_slow:
            raise self.refusal()
        try:
            await asyncio.wait_for(self._reads.acquire(), self.turn_seconds)
        except TimeoutError:
            raise self.refusal() from None
        try:
            return await read()
        except PyMongoError as error:
            self._too_slow = self._too_slow or error.timeout
            raise
        finally:
            self._reads.release()

    def rebuild_ended(self) -> None:
        self._too_slow = False
