"""Read positions stored in batches by one writer.

A stream that ends marks what it showed as read. Stored one write per stream, a thousand
streams ending at once took a thousand connections' turns at the database pool: posts waited
behind them and many failed (``WaitQueueTimeoutError``). Here each ending only notes its
position (the person's copy in Valkey, what the pages read, is updated at once by the
caller); one task writes what was noted, the highest position per (room, person), in one
``bulk_write`` per pass, so a storm costs the database one connection and a handful of
commands. A failed pass keeps its positions for the next one (``$max`` makes a repeat
harmless); shutdown writes what is left.

When Valkey could not take a position at once (its pool runs dry too when a thousand
streams end together), the writer brings it to the person's copy in its next pass, one
command at a time on one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pymongo import UpdateOne

from chat_svc.models.memberships import Membership
from chat_svc.reads.person_rooms import PersonRooms

log = logging.getLogger(__name__)

Place = tuple[str, str]  # (room, user id)


class ReadPositionWriter:
    def __init__(
        self, pass_seconds: float, people: PersonRooms | None = None, batch_limit: int = 1000
    ) -> None:
        self._pass_seconds = pass_seconds  # positions noted meanwhile share the next pass
        self._people = people
        self._batch_limit = batch_limit
        self._pending: dict[Place, int] = {}
        self._uncached: dict[Place, int] = {}  # Valkey's copy still lacks these
        self._noted = asyncio.Event()
        self._idle = asyncio.Event()  # nothing noted and not stored yet
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def note(self, room: str, user_id: str, read_up_to: int) -> None:
        place = (room, user_id)
        if read_up_to > self._pending.get(place, -1):
            self._pending[place] = read_up_to
        self._idle.clear()
        self._noted.set()

    def recache(self, room: str, user_id: str, read_up_to: int) -> None:
        """Valkey did not take this position: the next pass brings it to the copy."""
        place = (room, user_id)
        self._uncached[place] = max(read_up_to, self._uncached.get(place, -1))
        self._noted.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="read position writer")

    async def stop(self, final_seconds: float = 5.0) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            async with asyncio.timeout(final_seconds):
                while self._pending:
                    await self.write_pending()

    async def settled(self) -> None:
        """Until everything noted so far is stored (tests, shutdown)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._noted.wait()
            await asyncio.sleep(self._pass_seconds)
            self._noted.clear()
            try:
                await self.write_pending()
                await self._write_uncached()
            except Exception as error:  # kept for the next pass
                log.warning("read positions not stored yet: %s", error)
                self._noted.set()
                await asyncio.sleep(max(self._pass_seconds, 1.0))

    async def write_pending(self) -> None:
        """One ``bulk_write`` of up to ``batch_limit`` positions; on failure they stay noted
        (unless a higher one was noted meanwhile)."""
        batch = dict(list(self._pending.items())[: self._batch_limit])
        for place in batch:
            del self._pending[place]
        if len(self._pending):
            self._noted.set()
        if not batch:
            self._idle.set()
            return
        writes = [
            UpdateOne({"room": room, "user_id": user_id}, {"$max": {"last_read_message_id": up_to}})
            for (room, user_id), up_to in batch.items()
        ]
        try:
            await Membership.get_pymongo_collection().bulk_write(writes, ordered=False)
        except BaseException:
            for (room, user_id), up_to in batch.items():
                self.note(room, user_id, up_to)
            raise
        if not self._pending:
            self._idle.set()

    async def _write_uncached(self) -> None:
        while self._uncached and self._people is not None:
            (room, user_id), up_to = next(iter(self._uncached.items()))
            await self._people.read(user_id, room, up_to, opened=False)  # raises: kept
            if self._uncached.get((room, user_id)) == up_to:
                del self._uncached[(room, user_id)]
