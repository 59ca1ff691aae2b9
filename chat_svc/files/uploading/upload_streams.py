"""One uploaded file written into the object store while its part arrives: a single pass, no
temporary file (docs/performance.md, "Files"). It counts the size and stops writing (the
partial object aborted) once over the limit; it keeps the first bytes to tell the type, and
an inline image's bytes for its size. A refused or failed upload keeps reading (and dropping)
its part, so the whole form arrives and the answer is the clear page, not a reset.

Its record is inserted (unattached) before the first byte goes to the store: whatever
happens after (the store killed while completing the object, the replica killed, a delete
that fails), the sweeper finds the record and removes the object after the grace period."""

from __future__ import annotations

import logging

from chat_svc.files.file_records import StoredFile, delete_file_record, insert_file
from chat_svc.files.storage.object_store import (
    ObjectStore,
    ObjectWriter,
    StoreUnavailableError,
)
from chat_svc.files.uploading.file_kinds import SNIFF_BYTES, is_inline_image, sniffed_type

log = logging.getLogger(__name__)


class StreamedUpload:
    """A ``FileSink`` for the multipart reader; ``keep=False`` reads the part and drops it
    (a file past the per-message count, or a field that is not ``files``)."""

    def __init__(
        self,
        store: ObjectStore,
        reservation: StoredFile,
        sent_name: str,
        max_bytes: int,
        keep: bool,
    ) -> None:
        self.name = reservation.name  # cleaned: never empty ("file")
        self._sent_name = sent_name  # as the form sent it: empty when no file was chosen
        self.file_id = reservation.file_id
        self.key = reservation.storage_key
        self.size = 0
        self.too_large = False
        self.failure: StoreUnavailableError | None = None
        self.recorded = False  # taken for a message: its record is complete
        self._store = store
        self._max_bytes = max_bytes
        self._keep = keep
        self._head = bytearray()
        self._image: bytearray | None = bytearray()  # kept until the head says "not an image"
        self._writer: ObjectWriter | None = None
        self._reservation: StoredFile | None = reservation  # None once inserted
        self._reserved = False

    @property
    def is_empty(self) -> bool:
        """The part a form sends when no file was chosen (a browser's FormData of a text
        post holds it too): it never touches the store nor becomes an attachment."""
        return not self._sent_name and not self.size

    @property
    def content_type(self) -> str:
        return sniffed_type(bytes(self._head))

    @property
    def image_bytes(self) -> bytes:
        return bytes(self._image or b"")

    async def write(self, data: memoryview) -> None:
        if not data:  # the reader hands an empty part's nothing too
            return
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
                await self._reserve()
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

    async def _reserve(self) -> None:
        if self._reservation is not None:
            await insert_file(self._reservation)
            self._reservation = None
            self._reserved = True

    async def finish(self) -> None:
        if not self._keep or self.too_large or self.failure:
            return
        try:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                await writer.finish()
            elif self._sent_name:  # an empty file, chosen on purpose
                await self._reserve()
                await self._store.put(self.key, b"")
        except StoreUnavailableError as error:
            self.failure = error
            await self.discard()

    async def discard(self) -> None:
        """Nothing of it left (idempotent): the object, then its record. If the store does
        not answer, the record stays for the sweeper."""
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.abort()
        if not self._reserved:
            return
        try:
            await self._store.delete(self.key)  # it may exist though its completion failed
            await delete_file_record(self.file_id)
            self._reserved = False
        except StoreUnavailableError as error:
            log.warning("an unsent upload is left to the sweeper: %s", error)
