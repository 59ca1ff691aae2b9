"""What the worker does for one event: the served image and thumbnail of a file, or the
removal of a deleted message's files, or of a deleted room's. Each is idempotent: events
are redelivered."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from chat_svc.files.file_records import (
    StoredFile,
    delete_file_record,
    file_key,
    select_file,
    select_files_of_message,
    select_files_of_room,
    set_thumbnail,
)
from chat_svc.files.previews.pdf_previews import NoPdfPreviewError, pdf_first_page
from chat_svc.files.previews.preview_kinds import is_pdf
from chat_svc.files.processing.image_work import UnreadableImageError, serve_ready
from chat_svc.files.storage.object_store import ObjectMissingError, ObjectStore
from chat_svc.files.uploading.upload_quota import UploadQuota

log = logging.getLogger(__name__)

PDF_RENDER_SECONDS = 10.0  # about 1 s on a loaded machine (mostly the child starting)


@dataclass(frozen=True)
class FileWork:
    store: ObjectStore
    max_pixels: int
    pdf_seconds: float = PDF_RENDER_SECONDS
    quota: UploadQuota | None = None  # given back each removed file's bytes

    async def make_thumbnail(self, file_id: str) -> None:
        found = await select_file(file_id)
        if found is None or found.thumbnail_state != "pending":
            return  # done already, or deleted meanwhile
        try:
            original = await self.store.get(found.storage_key)
        except ObjectMissingError:
            return
        if is_pdf(found.content_type):
            await self._make_pdf_preview(file_id, original)
            return
        try:
            # Decoding a 12 MP photo takes a core for a while: off the event loop.
            served = await asyncio.to_thread(
                serve_ready, original, found.content_type, self.max_pixels
            )
        except UnreadableImageError as error:
            log.info("no thumbnail: %s", error, extra={"file_id": file_id})
            await set_thumbnail(file_id, "none", content_type="application/octet-stream")
            return
        clean_key, thumbnail_key = file_key(file_id, "served"), file_key(file_id, "thumbnail")
        await self.store.put(clean_key, served.image)
        await self.store.put(thumbnail_key, served.thumbnail)
        await set_thumbnail(
            file_id,
            "ready",
            clean_key=clean_key,
            thumbnail_key=thumbnail_key,
            width=served.width,
            height=served.height,
            content_type=served.content_type,
        )

    async def _make_pdf_preview(self, file_id: str, original: bytes) -> None:
        """The first page as the thumbnail; the PDF itself is served as it came."""
        try:
            png = await pdf_first_page(original, self.pdf_seconds)
        except NoPdfPreviewError as error:
            log.info("no PDF preview: %s", error, extra={"file_id": file_id})
            await set_thumbnail(file_id, "none")
            return
        thumbnail_key = file_key(file_id, "thumbnail")
        await self.store.put(thumbnail_key, png)
        await set_thumbnail(file_id, "ready", thumbnail_key=thumbnail_key)

    async def remove_files_of(self, room: str, message_id: int) -> None:
        for found in await select_files_of_message(room, message_id):
            await self.remove(found)

    async def remove_files_of_room(self, room: str, deleted_at: datetime) -> None:
        """Those uploaded before the deletion: a new room may have taken the slug since."""
        for found in await select_files_of_room(room, deleted_at):
            await self.remove(found)

    async def remove(self, found: StoredFile) -> None:
        """The objects first, the record last: a failure halfway is retried from the record."""
        for key in (found.storage_key, found.clean_key, found.thumbnail_key):
            if key:
                await self.store.delete(key)
        if await delete_file_record(found.file_id) and self.quota is not None:
            await self.quota.give_back(found.uploader_id, found.size)
        log.info("file removed", extra={"file_id": found.file_id, "room": found.room})
