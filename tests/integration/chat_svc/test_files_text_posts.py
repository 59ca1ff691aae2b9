"""A message posted as multipart/form-data (issue 31): a browser's FormData of the room's form
always holds the file input, so a text post sends an empty ``files`` part (``filename=""``).
Its text is stored as the URL-encoded post stores it and it gets no file; with a file, the
text arrives the same (the streaming reader's reverted merge attached an empty "file")."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat_svc.files.file_records import StoredFile
from chat_svc.files.storage.object_store import local_object_store
from chat_svc.models.messages import ChatMessage
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import file_urls, post_files
from tests.integration.chat_svc.people import sign_in
from tests.support.history_stored import stored_when_written

# As a textarea sends it: CRLF line breaks, non-ASCII, a dash run like a boundary's start.
SENT_TEXT = "héllo 👋\r\n--not a boundary\r\nthe end"
STORED_TEXT = "héllo 👋\n--not a boundary\nthe end"
NO_FILE_CHOSEN = ("", b"")  # the part a form's empty file input sends


async def test_a_multipart_post_stores_its_text_whole_and_no_file_unless_one_was_chosen(
    make_chat_app: AppFactory, fake_auth: FakeAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_FILES_DIR", str(tmp_path / "files"))
    store = local_object_store(tmp_path / "files")
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        text_only = await post_files(ada, "general", [NO_FILE_CHOSEN], body=SENT_TEXT)
        with_file = await post_files(
            ada, "general", [("notes.txt", b"notes\r\n"), NO_FILE_CHOSEN], body=SENT_TEXT
        )
        text_only_files = await StoredFile.find_all().count()
        _, page = await ada.get("/rooms/general")
        for _, _, location in (text_only, with_file):
            await stored_when_written("general", int(location.rsplit("-", 1)[1]))
        stored = {
            message.message_id: message
            async for message in ChatMessage.find(ChatMessage.room == "general")
        }
        objects = [await store.get(key) for key in await store.keys("files")]
    first, second = (int(location.rsplit("-", 1)[1]) for _, _, location in (text_only, with_file))
    assert (text_only[0], with_file[0]) == (303, 303)
    assert stored[first].body == STORED_TEXT and stored[first].files == ()
    assert stored[second].body == STORED_TEXT
    assert [(file.name, file.size) for file in stored[second].files] == [("notes.txt", 7)]
    assert text_only_files == 1 and objects == [b"notes\r\n"]
    assert len(file_urls(page)) == 1
