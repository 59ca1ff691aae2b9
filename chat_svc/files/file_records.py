"""File metadata in the database (``files``): never the bytes, which are in the object store
under ``storage_key`` (and ``thumbnail_key``, ``clean_key`` once the worker made them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from beanie import Document
from pymongo import ASCENDING, IndexModel
from pymongo.results import UpdateResult

from chat_svc.models.aggregation import aggregate

# pending: the worker has not looked yet; ready: thumbnail and cleaned image stored;
# none: not an image it shows inline (served as an attachment, never decoded again).
ThumbnailState = Literal["pending", "ready", "none"]


class StoredFile(Document):
    file_id: str  # random, unguessable, but never access on its own (downloads check rooms)
    room: str
    message_id: int | None = None  # None until its message is stored; the sweeper's mark
    uploader_id: str
    name: str
    content_type: str
    size: int
    width: int = 0
    height: int = 0
    storage_key: str
    clean_key: str | None = None  # the image as served: EXIF removed, orientation applied
    thumbnail_key: str | None = None
    thumbnail_state: ThumbnailState = "none"
    uploaded_at: datetime

    class Settings:
        name = "files"
        indexes = [  # noqa: RUF012 - beanie reads a plain list
            IndexModel([("file_id", ASCENDING)], unique=True),
            IndexModel([("room", ASCENDING), ("message_id", ASCENDING)]),
            IndexModel([("uploader_id", ASCENDING)]),
        ]


def file_key(file_id: str, variant: str) -> str:
    return f"files/{file_id}/{variant}"


async def insert_file(record: StoredFile) -> None:
    await record.insert()


async def complete_file(
    file_id: str,
    *,
    content_type: str,
    size: int,
    width: int,
    height: int,
    thumbnail_state: ThumbnailState,
) -> bool:
    """An upload's record, reserved before its bytes went to the store, now whole; its grace
    period starts again now. False: the sweeper removed it while the upload was slow."""
    changes = {
        "content_type": content_type,
        "size": size,
        "width": width,
        "height": height,
        "thumbnail_state": thumbnail_state,
        "uploaded_at": datetime.now(UTC),
    }
    found = StoredFile.find(StoredFile.file_id == file_id)
    result = await found.update_many({"$set": changes})
    return isinstance(result, UpdateResult) and result.matched_count == 1


async def select_file(file_id: str) -> StoredFile | None:
    return await StoredFile.find_one(StoredFile.file_id == file_id)


async def attach_files(file_ids: list[str], message_id: int) -> None:
    await StoredFile.find({"file_id": {"$in": file_ids}}).update_many(
        {"$set": {"message_id": message_id}}
    )


async def select_files_of_message(room: str, message_id: int) -> list[StoredFile]:
    return await StoredFile.find(
        StoredFile.room == room, StoredFile.message_id == message_id
    ).to_list()


async def select_files_of_room(room: str, uploaded_before: datetime) -> list[StoredFile]:
    return await StoredFile.find({"room": room, "uploaded_at": {"$lt": uploaded_before}}).to_list()


async def select_unattached_before(cutoff: datetime) -> list[StoredFile]:
    return await StoredFile.find({"message_id": None, "uploaded_at": {"$lt": cutoff}}).to_list()


async def bytes_stored_by(uploader_id: str) -> int:
    """Summed by the database: only when the quota's count is rebuilt (upload_quota.py)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"uploader_id": uploader_id}},
        {"$group": {"_id": None, "bytes": {"$sum": "$size"}}},
    ]
    rows = await aggregate(StoredFile, pipeline)
    return int(rows[0]["bytes"]) if rows else 0


async def set_thumbnail(
    file_id: str,
    state: ThumbnailState,
    *,
    clean_key: str | None = None,
    thumbnail_key: str | None = None,
    width: int = 0,
    height: int = 0,
    content_type: str | None = None,
) -> None:
    changes: dict[str, object] = {"thumbnail_state": state, "clean_key": clean_key}
    if content_type:
        changes |= {"content_type": content_type}
    changes |= {"thumbnail_key": thumbnail_key}
    if width and height:
        changes |= {"width": width, "height": height}
    await StoredFile.find_one(StoredFile.file_id == file_id).update({"$set": changes})


async def delete_file_record(file_id: str) -> bool:
    """False: it was gone already (a removal retried, or done by another)."""
    result = await StoredFile.get_pymongo_collection().delete_one({"file_id": file_id})
    return bool(result.deleted_count)


def grace_cutoff(grace_seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=grace_seconds)


FILE_MODELS = (StoredFile,)
