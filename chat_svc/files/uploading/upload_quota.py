"""The per-person quota (``CHAT_UPLOAD_QUOTA_MB``): the bytes a person keeps stored, counted
in Valkey (reads/kept_counters.py) as files are taken for a message and removed, so an
upload reads one key instead of summing the person's files in the database (a scan on
FerretDB). The check and the addition are one atomic step: racing uploads cannot pass the
quota together. A file taken but never recorded gives its bytes back at once; one recorded
but never attached gives them back when the sweeper removes it."""

from __future__ import annotations

from redis.asyncio import Redis

from chat_svc.files.file_records import bytes_stored_by
from chat_svc.reads.kept_counters import KeptCounters


def stored_bytes_key(uploader_id: str) -> str:
    return f"chat:files:stored_bytes:{uploader_id}"


class UploadQuota:
    def __init__(self, redis: Redis) -> None:
        self._counters = KeptCounters(redis)

    async def take(self, uploader_id: str, adding: int, quota: int) -> tuple[bool, int]:
        """(taken, the bytes stored before): not taken when ``adding`` would pass ``quota``."""

        async def rebuild() -> int:
            return await bytes_stored_by(uploader_id)

        return await self._counters.take_within(
            stored_bytes_key(uploader_id), adding, quota, rebuild
        )

    async def give_back(self, uploader_id: str, size: int) -> None:
        """After the file's record is gone (or never completed)."""
        if size:
            await self._counters.add(stored_bytes_key(uploader_id), -size)
