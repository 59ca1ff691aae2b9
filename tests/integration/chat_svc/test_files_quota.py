"""The per-person upload quota (``CHAT_UPLOAD_QUOTA_MB``) is a Valkey count kept on upload
and removal (files/uploading/upload_quota.py): racing uploads cannot pass it together, an
upload reads no file records (a scan on FerretDB), removed files give their bytes back, and a
lost count is rebuilt from the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chat_svc.files.file_records import StoredFile
from chat_svc.files.uploading.upload_quota import stored_bytes_key
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import post_files
from tests.integration.chat_svc.people import sign_in
from tests.support.database_commands import database_commands

QUOTA_BYTES = 10_000  # CHAT_UPLOAD_QUOTA_MB below, in bytes (rounded down)
FILE_BYTES = 4_000  # two fit, a third does not


@pytest.fixture(autouse=True)
def small_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_FILES_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("CHAT_UPLOAD_QUOTA_MB", str(QUOTA_BYTES / 1024 / 1024))


async def stored_bytes(user_id: str) -> int:
    return sum(found.size for found in await StoredFile.find({"uploader_id": user_id}).to_list())


async def test_racing_uploads_never_pass_the_quota_together(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.get("/rooms/general")  # the session and its CSRF token exist before the race
        racing = [
            post_files(ada, "general", [(f"{n}.bin", bytes(FILE_BYTES))], body=f"race {n}")
            for n in range(5)
        ]
        statuses = sorted(status for status, _, _ in await asyncio.gather(*racing))
        stored = await stored_bytes(ada.user_id)
    assert statuses == [303, 303, 413, 413, 413]
    assert stored == 2 * FILE_BYTES


async def test_the_quota_reads_no_file_records_gives_back_removed_bytes_and_is_rebuilt(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    with database_commands() as commands:
        async with make_chat_app().test_app() as test_app:
            ada = sign_in(test_app, fake_auth, "Ada")
            first, _, location = await post_files(ada, "general", [("1.bin", bytes(FILE_BYTES))])
            commands.armed = True
            second = (await post_files(ada, "general", [("2.bin", bytes(FILE_BYTES))]))[0]
            commands.armed = False
            over = (await post_files(ada, "general", [("3.bin", bytes(FILE_BYTES))]))[0]
            message_id = int(location.rsplit("-", 1)[1])
            await ada.post(f"/rooms/general/messages/{message_id}/delete")
            for _ in range(100):  # the worker removes the deleted message's file
                if await stored_bytes(ada.user_id) == FILE_BYTES:
                    break
                await asyncio.sleep(0.1)
            given_back = (await post_files(ada, "general", [("4.bin", bytes(FILE_BYTES))]))[0]
            redis = test_app.app.extensions["chat_files_uploads"].redis  # type: ignore[attr-defined]
            await redis.delete(stored_bytes_key(ada.user_id))  # as after a flush of Valkey
            rebuilt = (await post_files(ada, "general", [("5.bin", bytes(FILE_BYTES))]))[0]
    assert (first, second, over, given_back, rebuilt) == (303, 303, 413, 303, 413)
    scans = commands.sent[("find", "files")] + commands.sent[("aggregate", "files")]
    assert scans == 0, commands.sent
