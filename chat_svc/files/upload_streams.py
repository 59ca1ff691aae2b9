"""One uploaded file written into the object store while its part arrives: a single pass, no
temporary file (docs/performance.md, "Files"). It counts the size and stops writing (the
partial object aborted) once over the limit; it keeps the first bytes to tell the type, and
an inline image's bytes for its size. A refused or failed upload keeps reading (and dropping)
its part, so the whole form arrives and the answer is the clear page, not a reset."""

from __future__ import annotations

import logging
import secrets

from chat_svc.files.file_kinds import SNIFF_BYTES, is_inline_image, sniffed_type
from chat_svc.files.file_records import file_key
from chat_svc.files.storage.object_store import (
    ObjectStore,
    ObjectWriter,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)


class StreamedUpload:
    """A ``FileSink`` for the multipart reader; ``keep=False`` reads the part and drops it
    (a file past the per-message count, or a field that is not ``files``)."""

    def __init__(self, store: ObjectStore, name: str | None, max_bytes: int, keep: bool) -> None:
        self.name = name
        self.file_id = secrets.token_urlsafe(18)
        self.key = file_key(self.file_id, "original")
        self.size = 0
        self.too_large = False
        self.failure: StoreUnavailableError | None = None
        self.recorded = False  # its metadata is in the database: the sweeper owns it now
        self._store = store
        self._max_bytes = max_bytes
        self._keep = keep
        self._head = bytearray()
        self._image: bytearray | None = bytearray()  # kept until the head says "not an image"
        self._writer: ObjectWriter | None = None
        self._stored = False

    @property
    def is_empty(self) -> bool:
        """The part a form sends when no file was chosen."""
        return not self.name and not self.size

    @property
    def content_type(self) -> str:
        return sniffed_type(bytes(self._head))

    @property
    def image_bytes(self) -> bytes:
        return bytes(self._image or b"")

    async def write(self, data: memoryview) -> None:
        self.size += len(data)
        if not self._keep or self.too_large or self.failure:
            return
        if self.size > self._max_bytes:
            self.too_large = True
            await self.discard()
            return
        chunk = bytes(data)  # the reader reuses its buffer once this returns
        self._remember(chunk)
        try:
            if self._writer is None:
                self._writer = self._store.open_writer(self.key)
            await self._writer.write(chunk)
        except StoreUnavailableError as error:
            self.failure = error
            await self.discard()

    def _remember(self, chunk: bytes) -> None:
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        if self._image is None:
            return
        self._image += chunk
        if len(self._head) >= SNIFF_BYTES and not is_inline_image(self.content_type):
            self._image = None

    async def finish(self) -> None:
        if not self._keep or self.too_large or self.failure:
            return
        try:
            if self._writer is not None:
                await self._writer.finish()
            elif self.name:  # an empty file, chosen on purpose
                await self._store.put(self.key, b"")
            self._stored = True
        except StoreUnavailableError as error:
            self.failure = error
            await self.discard()

    async def discard(self) -> None:
        """Nothing of it left in the store (idempotent; a failed delete is logged)."""
        writer, self._writer = self._writer, None
        if writer is not None and not self._stored:
            await writer.abort()
        if self._stored:
            try:
                await self._store.delete(self.key)
                self._stored = False
            except StoreUnavailableError as error:
                log.warning("an unsent upload stays in the store: %s", error)
