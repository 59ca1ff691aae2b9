"""Taking a message's files: each was written to the object store as it arrived
(``upload_streams``); then the limits (count, size, rate, quota; a refusal removes what was
written), then the metadata. The message is posted afterwards by the caller; ``attached`` then marks
the files as the message's and asks the worker for thumbnails."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.files.file_records import (
    StoredFile,
    attach_files,
    complete_file,
    file_key,
)
from chat_svc.files.file_settings import MB, FileSettings
from chat_svc.files.previews.preview_kinds import is_pdf
from chat_svc.files.processing.file_events import FileAttached
from chat_svc.files.processing.image_work import UnreadableImageError, image_size
from chat_svc.files.storage.object_store import ObjectStore, StoreUnavailableError
from chat_svc.files.uploading.file_kinds import GENERIC_TYPE, is_inline_image
from chat_svc.files.uploading.file_names import clean_file_name
from chat_svc.files.uploading.upload_quota import UploadQuota
from chat_svc.files.uploading.upload_streams import StreamedUpload
from chat_svc.models.message_shape import AttachedFile
from service_kit.messaging.jetstream import publish_payload

log = logging.getLogger(__name__)


class UploadRefusedError(Exception):
    """Over a limit: ``status`` is the HTTP answer, ``message`` says which and why."""

    def __init__(self, status: int, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _megabytes(size: float) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size / MB:,.0f} MB"


@dataclass(frozen=True)
class Uploads:
    store: ObjectStore
    redis: Redis
    js: JetStreamContext
    settings: FileSettings
    quota: UploadQuota

    def open(self, uploader_id: str, room: str, name: str, keep: bool = True) -> StreamedUpload:
        """A file's sink for the multipart reader (``keep=False``: read and dropped); its
        record until it is taken says only who, where and when (for the sweeper)."""
        file_id = secrets.token_urlsafe(18)
        reservation = StoredFile(
            file_id=file_id,
            room=room,
            uploader_id=uploader_id,
            name=clean_file_name(name),
            content_type=GENERIC_TYPE,
            size=0,
            storage_key=file_key(file_id, "original"),
            uploaded_at=datetime.now(UTC),
        )
        return StreamedUpload(self.store, reservation, name, self.settings.max_file_bytes, keep)

    def check(self, uploads: list[StreamedUpload]) -> None:
        """Count and size (a file over the size stopped being written when it crossed it)."""
        limit = self.settings
        if len(uploads) > limit.upload_max_files:
            raise UploadRefusedError(
                413, f"At most {limit.upload_max_files} files per message; this had {len(uploads)}."
            )
        for upload in uploads:
            if upload.too_large:
                raise UploadRefusedError(
                    413,
                    f"{clean_file_name(upload.name)} is {_megabytes(upload.size)}; "
                    f"files can be at most {_megabytes(limit.max_file_bytes)}.",
                )

    async def take(self, uploader_id: str, uploads: list[StreamedUpload]) -> list[AttachedFile]:
        """Recorded, not yet any message's (the sweeper removes them if none comes). On any
        refusal or failure the caller discards every upload not ``recorded``."""
        self.check(uploads)
        for upload in uploads:
            if upload.failure is not None:
                raise upload.failure
        await self._check_rate(uploader_id, len(uploads))
        adding = sum(upload.size for upload in uploads)
        await self._take_quota(uploader_id, adding)
        try:
            return [await self._record(upload) for upload in uploads]
        except BaseException:  # the bytes of the files not recorded come back now
            unrecorded = sum(upload.size for upload in uploads if not upload.recorded)
            try:
                await self.quota.give_back(uploader_id, unrecorded)
            except (RedisError, OSError) as error:  # the count stays high: refuses early
                log.warning("upload quota not given back: %s", error)
            raise

    async def _check_rate(self, uploader_id: str, count: int) -> None:
        key = f"chat:files:rate:{uploader_id}"
        period = self.settings.upload_rate_period_seconds
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, count)
            pipe.expire(key, int(period), nx=True)
            pipe.ttl(key)
            taken, _, ttl = await pipe.execute()
        if int(taken) > self.settings.upload_rate_count:
            await self.redis.decrby(key, count)
            wait = max(int(ttl), 1)
            raise UploadRefusedError(
                429,
                f"You uploaded many files in a short time; try again in {wait} seconds.",
                retry_after=wait,
            )

    async def _take_quota(self, uploader_id: str, adding: int) -> None:
        quota = int(self.settings.upload_quota_mb * MB)
        taken, used = await self.quota.take(uploader_id, adding, quota)
        if not taken:
            raise UploadRefusedError(
                413,
                f"Your files would take {_megabytes(used + adding)}, over your "
                f"{_megabytes(quota)}; delete messages with files you no longer need.",
            )

    async def _record(self, upload: StreamedUpload) -> AttachedFile:
        content_type = upload.content_type
        width = height = 0
        if is_inline_image(content_type):
            try:
                width, height = image_size(upload.image_bytes, self.settings.image_max_pixels)
            except UnreadableImageError as error:
                log.info("image not shown inline: %s", error)
                content_type = "application/octet-stream"
        attached = AttachedFile(
            file_id=upload.file_id,
            name=clean_file_name(upload.name),
            content_type=content_type,
            size=upload.size,
            width=width,
            height=height,
        )
        completed = await complete_file(
            attached.file_id,
            content_type=content_type,
            size=upload.size,
            width=width,
            height=height,
            thumbnail_state="pending" if width or is_pdf(content_type) else "none",
        )
        if not completed:  # a message must never name a file the sweeper has removed
            raise StoreUnavailableError(f"{upload.key} was swept while it was uploading")
        upload.recorded = True
        return attached

    async def attached(self, room: str, message_id: int, files: list[AttachedFile]) -> None:
        """The files are the message's now; the worker makes the thumbnails."""
        await attach_files([file.file_id for file in files], message_id)
        for file in files:
            if file.width or is_pdf(file.content_type):  # an image, or a PDF's first page
                event = FileAttached(file_id=file.file_id, room=room, message_id=message_id)
                await publish_payload(self.js, event.SUBJECT, event.to_bytes(), str(event.id))
