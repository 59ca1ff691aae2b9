"""The one writer of the index: applies messages idempotently and rebuilds from the store.

tantivy allows one writer per index directory (a lock file, across processes): the replica
that holds it runs the consumer (indexer.py); every replica reads (search_index.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import tantivy

from chat_svc.models.messages import MessageRecord
from chat_svc.search.index_schema import SCHEMA, document_of, key_of, version_of

log = logging.getLogger(__name__)

WRITER_HEAP_BYTES = 64_000_000
REBUILD_LOG_EVERY = 50_000


@dataclass(frozen=True)
class DeletedRoom:
    """Every document of ``room`` goes (an administrator deleted it)."""

    room: str


Change = MessageRecord | DeletedRoom


class IndexWriter:
    def __init__(self, index: tantivy.Index, writer: tantivy.IndexWriter) -> None:
        self.index = index
        self.writer = writer
        self.lock = asyncio.Lock()  # the consumer and a rebuild take turns
        # One commit per group: a commit costs milliseconds (a new segment, an fsync), so
        # the messages that arrive while one runs share the next.
        self._waiting: list[tuple[Change, asyncio.Future[None]]] = []
        self._committing: asyncio.Task[None] | None = None
        self.commits = 0  # group commits made (a rebuild's not counted)

    async def add(self, change: Change) -> None:
        """Apply ``change`` in the next group commit, in the order given; returns once it is
        committed."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((change, done))
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_groups())
        await done

    async def _commit_groups(self) -> None:
        await asyncio.sleep(0)  # the rest of a fetched batch joins this group
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self.apply(change for change, _ in group)
            except Exception as error:
                for _, done in group:
                    done.set_exception(error)
            else:
                for _, done in group:
                    done.set_result(None)

    @classmethod
    def try_open(cls, index: tantivy.Index) -> IndexWriter | None:
        """The writer, or None while another process (or app) holds the index's lock."""
        try:
            return cls(index, index.writer(WRITER_HEAP_BYTES, 1))
        except ValueError:
            return None

    async def apply(self, changes: Iterable[Change]) -> int:
        """Index each message unless the index holds the same or a newer version of it (a
        replay or a redelivery); returns how many changed the index."""
        async with self.lock:
            return await asyncio.to_thread(self._apply, list(changes))

    def _apply(self, changes: list[Change]) -> int:
        try:
            return self._apply_group(changes)
        except BaseException:
            self.writer.rollback()  # nothing half-applied waits for the next commit
            raise

    def _apply_group(self, changes: list[Change]) -> int:
        messages: list[MessageRecord] = []
        deleted: set[str] = set()
        for change in changes:
            if isinstance(change, DeletedRoom):
                # Its messages given earlier go with it; later ones (a new room that took
                # the slug again) stay: tantivy applies a delete only to what was added
                # before it, and the adds below come after.
                messages = [m for m in messages if m.room != change.room]
                deleted.add(change.room)
            else:
                messages.append(change)
        for room in deleted:
            self.writer.delete_documents_by_term("room", room)
        newest: dict[str, MessageRecord] = {}
        for message in messages:
            key = key_of(message.room, message.message_id)
            if key not in newest or version_of(message) > version_of(newest[key]):
                newest[key] = message
        known = self._versions(list(newest))
        changed = [m for k, m in newest.items() if version_of(m) > known.get(k, 0)]
        for message in changed:
            self.writer.delete_documents_by_term("key", key_of(message.room, message.message_id))
            self.writer.add_document(document_of(message))
        if changed or deleted:
            self.writer.commit()
            self.commits += 1
            self.index.reload()
        return len(changed) + len(deleted)

    def _versions(self, keys: list[str]) -> dict[str, int]:
        self.index.reload()
        searcher = self.index.searcher()
        found = searcher.search(keys_query(keys), limit=max(len(keys), 1), count=False)
        versions: dict[str, int] = {}
        for _, address in found.hits:
            document = searcher.doc(address)
            versions[str(document["key"][0])] = int(document["version"][0])
        return versions

    async def rebuild(self, messages: AsyncIterator[MessageRecord]) -> int:
        """Replace everything with what the store holds; readers see the old index until
        the last commit. Events that arrive meanwhile wait (the lock) and are then applied
        by version."""
        async with self.lock:
            try:
                await asyncio.to_thread(self.writer.delete_all_documents)
                count = 0
                async for message in messages:
                    self.writer.add_document(document_of(message))
                    count += 1
                    if count % REBUILD_LOG_EVERY == 0:
                        log.info("search rebuild progress", extra={"messages": count})
                await asyncio.to_thread(self._commit)
            except BaseException:
                # A rebuild cut short (the database gone, shutdown) must not leave its
                # "delete everything" for the next group commit.
                await asyncio.to_thread(self.writer.rollback)
                raise
            return count

    def _commit(self) -> None:
        self.writer.commit()
        self.index.reload()

    async def close(self) -> None:
        async with self.lock:
            await asyncio.to_thread(self.writer.wait_merging_threads)


def keys_query(keys: list[str]) -> tantivy.Query:
    return tantivy.Query.term_set_query(SCHEMA, "key", keys)
