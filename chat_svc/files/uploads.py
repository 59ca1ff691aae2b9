"""Taking a message's files: limits first (count, size, rate, quota), then the object store,
then the metadata. The message is posted afterwards by the caller; ``attached`` then marks
the files as the message's and asks the worker for thumbnails."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from nats.js import JetStreamContext
from redis.asyncio import Redis

from chat_svc.files.file_events import FileAttached
from chat_svc.files.file_kinds import SNIFF_BYTES, is_inline_image, sniffed_type
from chat_svc.files.file_names import clean_file_name
from chat_svc.files.file_records import (
    StoredFile,
    attach_files,
    bytes_stored_by,
    file_key,
    insert_file,
)
from chat_svc.files.file_settings import MB, FileSettings
from chat_svc.files.image_work import UnreadableImageError, image_size
from chat_svc.files.storage.object_store import ObjectStore
from chat_svc.models.message_shape import AttachedFile
from service_kit.messaging.jetstream import publish_payload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """A file as the request parsed it (a spooled temporary file) and the name sent."""

    name: str | None
    stream: IO[bytes]
    size: int


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

    def check(self, uploads: list[Upload]) -> None:
        """Count and size: refused before anything is stored."""
        limit = self.settings
        if len(uploads) > limit.upload_max_files:
            raise UploadRefusedError(
                413, f"At most {limit.upload_max_files} files per message; this had {len(uploads)}."
            )
        for upload in uploads:
            if upload.size > limit.max_file_bytes:
                raise UploadRefusedError(
                    413,
                    f"{clean_file_name(upload.name)} is {_megabytes(upload.size)}; "
                    f"files can be at most {_megabytes(limit.max_file_bytes)}.",
                )

    async def take(self, uploader_id: str, room: str, uploads: list[Upload]) -> list[AttachedFile]:
        """Stored and recorded, not yet any message's (the sweeper removes them if none comes)."""
        self.check(uploads)
        await self._check_rate(uploader_id, len(uploads))
        await self._check_quota(uploader_id, sum(upload.size for upload in uploads))
        return [await self._take_one(uploader_id, room, upload) for upload in uploads]

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

    async def _check_quota(self, uploader_id: str, adding: int) -> None:
        quota = int(self.settings.upload_quota_mb * MB)
        used = await bytes_stored_by(uploader_id)
        if used + adding > quota:
            raise UploadRefusedError(
                413,
                f"Your files would take {_megabytes(used + adding)}, over your "
                f"{_megabytes(quota)}; delete messages with files you no longer need.",
            )

    async def _take_one(self, uploader_id: str, room: str, upload: Upload) -> AttachedFile:
        upload.stream.seek(0)
        head = upload.stream.read(SNIFF_BYTES)
        content_type = sniffed_type(head)
        width = height = 0
        if is_inline_image(content_type):
            upload.stream.seek(0)
            try:
                width, height = image_size(upload.stream.read(), self.settings.image_max_pixels)
            except UnreadableImageError as error:
                log.info("image not shown inline: %s", error)
                content_type = "application/octet-stream"
        file_id = secrets.token_urlsafe(18)
        key = file_key(file_id, "original")
        upload.stream.seek(0)
        await self.store.put(key, upload.stream)
        attached = AttachedFile(
            file_id=file_id,
            name=clean_file_name(upload.name),
            content_type=content_type,
            size=upload.size,
            width=width,
            height=height,
        )
        await insert_file(
            StoredFile(
                **attached.model_dump(),
                room=room,
                uploader_id=uploader_id,
                storage_key=key,
                thumbnail_state="pending" if width else "none",
                uploaded_at=datetime.now(UTC),
            )
        )
        return attached

    async def attached(self, room: str, message_id: int, files: list[AttachedFile]) -> None:
        """The files are the message's now; the worker makes the thumbnails."""
        await attach_files([file.file_id for file in files], message_id)
        for file in files:
            if file.width:
                event = FileAttached(file_id=file.file_id, room=room, message_id=message_id)
                await publish_payload(self.js, event.SUBJECT, event.to_bytes(), str(event.id))
