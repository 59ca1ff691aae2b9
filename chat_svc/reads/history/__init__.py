"""A room's history as the pages read it: the newest messages, older ones at any depth, the
messages around one, the unread counts and the newest ids. One interface
(``HistoryIndex``), two implementations chosen by ``CHAT_HISTORY_INDEX``:

- ``database`` (in_database.py, production on MongoDB): the store's own indexes serve every
  read (``ChatMessage``'s (room, message_id) and (room, event_id)).
- ``valkey`` (in_valkey.py, the default for dev and tests on FerretDB, whose indexes serve
  no query): the room's sets in Valkey (reads/latest_cache.py, kept unbounded) hold every
  message, so each read is a range of a sorted set. The database stays the record: a set
  that is lost is rebuilt from it in the background, and the reads of that room go to the
  database until it is ready again.

Writes reach both through the latest cache (posts, edits and deletions), so neither needs
its own write path.
"""

from __future__ import annotations

from typing import Literal, Protocol

from chat_svc.models.messages import MessageRecord, Unread
from chat_svc.reads.history.in_database import DatabaseHistory
from chat_svc.reads.history.in_valkey import ValkeyHistory
from chat_svc.reads.latest_cache import UNBOUNDED, LatestCache

HistoryKind = Literal["valkey", "database"]


class HistoryIndex(Protocol):
    async def latest(self, room: str, count: int) -> list[MessageRecord]:
        """The newest ``count`` messages, oldest first."""
        ...

    async def before(self, room: str, before_id: int, count: int) -> list[MessageRecord]:
        """The ``count`` messages just older than ``before_id``, oldest first."""
        ...

    async def around(self, room: str, message_id: int, count: int) -> list[MessageRecord]:
        """Up to ``count`` messages older than ``message_id``, the message itself and up to
        ``count`` newer, oldest first."""
        ...

    async def unread(self, read_positions: dict[str, int], reader: str) -> dict[str, Unread]:
        """Per room, the messages after the read position and, of them, those by others
        that mention ``reader``; rooms with nothing unread are left out."""
        ...

    async def message(self, room: str, message_id: int) -> MessageRecord | None:
        """One message as it is now (edited, deleted), None when the room has no such id:
        what an edit or a deletion starts from."""
        ...

    async def newest_event_id(self, room: str) -> int:
        """The highest id of the room's sequence stored: a post's, an edit's or a deletion's."""
        ...

    async def wait_rebuilt(self) -> None:
        """Until the background rebuilds under way end (tests, the benchmark)."""
        ...

    async def stop(self) -> None:
        """Ends background work (a rebuild) at shutdown."""
        ...


def cache_size_for(kind: HistoryKind, latest_cache_size: int) -> int:
    """How many of each room's messages the latest cache keeps: all of them as the index."""
    return UNBOUNDED if kind == "valkey" else latest_cache_size


def open_history(kind: HistoryKind, cache: LatestCache) -> HistoryIndex:
    return ValkeyHistory(cache) if kind == "valkey" else DatabaseHistory(cache)
