"""Files in messages (issue 31) on the local-disk store: posted as a multipart form, private
to the room's members on every download, served safely, without EXIF, removed with their
message, refused whole when too large, 503 with the draft kept when the store is down."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from chat_svc.files.file_records import StoredFile, select_file
from chat_svc.files.file_settings import FileSettings
from chat_svc.files.installation import open_object_store
from chat_svc.files.storage.object_store import ObjectStore, local_object_store
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import file_urls, photo_with_gps, post_files
from tests.integration.chat_svc.people import Person, sign_in
from tests.integration.chat_svc.test_room_streams import room_stream
from tests.integration.chat_svc.test_streams import next_event
from tests.support.servers import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, SeaweedServer

SCRIPTED_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SCRIPTED_HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass
class Backend:
    """Where the app under test keeps files: the disk, or S3 on SeaweedFS (marked ``s3``)."""

    store: ObjectStore
    directory: Path | None = None
    server: SeaweedServer | None = None

    async def objects(self) -> list[str]:
        return sorted(await self.store.keys("files"))

    def break_store(self) -> None:
        """Every write fails from now on (restored after the test)."""
        if self.server is not None:
            self.server.stop()
            return
        assert self.directory is not None
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.write_bytes(b"not a directory")


@pytest.fixture(params=["disk", pytest.param("s3", marks=pytest.mark.s3)])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Backend]:
    if request.param == "disk":
        directory = tmp_path / "files"
        monkeypatch.setenv("CHAT_FILES_DIR", str(directory))
        yield Backend(local_object_store(directory), directory=directory)
        return
    server: SeaweedServer = request.getfixturevalue("seaweed")
    if not server.running:
        server.start()
    bucket = f"test-{uuid.uuid4().hex[:12]}"  # created on the first write (an admin's)
    settings = {
        "CHAT_FILES_STORE": "s3",
        "CHAT_S3_ENDPOINT": server.endpoint,
        "CHAT_S3_BUCKET": bucket,
        "CHAT_S3_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
        "CHAT_S3_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    store = open_object_store(FileSettings())
    await store.put("bucket-made", b"")  # the bucket exists from the first write on
    yield Backend(store, server=server)
    if not server.running:
        server.start()


async def get(person: Person, url: str) -> tuple[int, bytes, dict[str, str]]:
    """A download; an image answers once the worker made its served copy (the view waits)."""
    response = await person.client.get(url)
    headers = {name.lower(): value for name, value in response.headers.items()}
    return response.status_code, await response.get_data(as_text=False), headers


async def test_a_photo_and_files_reach_members_only_without_exif_and_never_render(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    async with make_chat_app(token_cache_seconds=0).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        carol = sign_in(test_app, fake_auth, "Carol")
        slug = await ada.create_room("Photos", visibility="closed")
        await bob.get("/rooms")
        await ada.post(f"/rooms/{slug}/members", name="Bob")
        posted = await post_files(
            ada,
            slug,
            [
                ("holiday.jpg", photo_with_gps()),
                ("page.html", SCRIPTED_HTML),
                ("logo.svg", SCRIPTED_SVG),
                ("notes\u202etxt.exe", b"plain notes\n"),
            ],
        )
        _, page = await bob.get(f"/rooms/{slug}")
        photo, html_file, svg_file, notes = file_urls(page)
        image_tag = re.search(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', page)
        photo_status, photo_bytes, photo_headers = await get(bob, photo)
        thumb_status, thumb_bytes, _ = await get(bob, f"{photo}/thumbnail")
        html_status, html_bytes, html_headers = await get(bob, html_file)
        svg_status, _, svg_headers = await get(bob, svg_file)
        strangers = [(await get(carol, url))[0] for url in (photo, f"{photo}/thumbnail", notes)]
        room, message_id, file_id = photo.removeprefix("/files/").split("/")
        tampered = [
            (await get(bob, url))[0]
            for url in (
                f"/files/{room}/{message_id}/{file_id[:-2]}xx",
                f"/files/{room}/{int(message_id) + 1}/{file_id}",
                f"/files/general/{message_id}/{file_id}",
            )
        ]
        await bob.post(f"/rooms/{slug}/leave")
        after_leaving = [(await get(bob, url))[0] for url in (photo, f"{photo}/thumbnail")]
    assert posted[0] == 303
    assert image_tag is not None and image_tag.group(1) == f"{photo}/thumbnail"
    # Orientation 6: 64x32 as stored, 32 wide and 64 tall as shown; known before it loads.
    assert (image_tag.group(2), image_tag.group(3)) == ("32", "64")
    assert "notes\u202e" not in page and "notestxt.exe" in page
    assert photo_status == 200 and photo_headers["content-type"] == "image/jpeg"
    assert photo_headers["content-disposition"].startswith("inline")
    served = Image.open(io.BytesIO(photo_bytes))
    assert served.size == (32, 64) and not served.getexif()  # turned, and no GPS left
    assert b"Exif" not in photo_bytes
    assert thumb_status == 200 and not Image.open(io.BytesIO(thumb_bytes)).getexif()
    for status, headers in ((html_status, html_headers), (svg_status, svg_headers)):
        assert status == 200
        assert headers["content-disposition"].startswith("attachment")
        assert headers["content-security-policy"].startswith("sandbox")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-type"] == "application/octet-stream"
    assert html_bytes == SCRIPTED_HTML
    assert photo_headers["content-security-policy"].startswith("sandbox")
    assert strangers == [404, 404, 404]
    assert tampered == [404, 404, 404]
    assert after_leaving == [404, 404]


async def test_deleting_the_message_removes_its_objects_from_the_store(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        status, _, location = await post_files(
            ada, "general", [("a.jpg", photo_with_gps()), ("b.txt", b"b")], body="two files"
        )
        message_id = int(location.rsplit("-", 1)[1])
        _, page = await ada.get("/rooms/general")
        (photo, _) = file_urls(page)
        assert (await get(ada, photo))[0] == 200  # the worker made its served copy
        before = await backend.objects()
        await ada.post(f"/rooms/general/messages/{message_id}/delete")
        for _ in range(100):
            if not await backend.objects():
                break
            await asyncio.sleep(0.1)
        after = await backend.objects()
        _, page = await ada.get("/rooms/general")
        gone = (await get(ada, photo))[0]
        records = await StoredFile.find_all().count()
    assert status == 303
    assert len(before) == 4  # two originals, the photo as served and its thumbnail
    assert after == []
    assert "/files/" not in page and gone == 404 and records == 0


async def test_a_file_over_the_limit_gets_413_and_nothing_is_stored(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        big = bytes(60 * 1024 * 1024)
        status, page, _ = await post_files(ada, "general", [("huge.bin", big)], body="keep me")
        eleven = [(f"{n}.txt", b"x") for n in range(11)]
        htmx_status, fragment, _ = await post_files(ada, "general", eleven, htmx=True)
        empty, empty_page, _ = await post_files(ada, "general", [])
        records = await StoredFile.find_all().count()
    assert status == 413 and "huge.bin is 60 MB; files can be at most 50 MB." in page
    assert "keep me</textarea>" in page
    assert htmx_status == 413 and "At most 10 files per message; this had 11." in fragment
    assert "<html" not in fragment  # the form alone, for HTMX to swap in
    assert empty == 422 and "Write a message before sending." in empty_page
    assert await backend.objects() == [] and records == 0


async def test_the_store_down_gives_503_saying_nothing_was_sent_and_keeps_the_draft(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        backend.break_store()
        status, page, _ = await post_files(ada, "general", [("a.txt", b"a")], body="my draft")
        _, general = await ada.get("/rooms/general")
    assert status == 503 and "Nothing was sent" in page and "my draft</textarea>" in page
    assert "my draft" not in general.split("</form>", 1)[-1]


async def test_an_upload_that_never_became_a_message_is_swept_after_the_grace_period(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        uploads = test_app.app.extensions["chat_files_uploads"]  # type: ignore[attr-defined]
        sent = await post_files(ada, "general", [("kept.txt", b"kept")], body="sent")
        unsent = uploads.open(ada.user_id, "general", "o.txt")
        await unsent.write(memoryview(b"o"))
        await unsent.finish()
        (orphan,) = await uploads.take(ada.user_id, [unsent])
        sweeper = test_app.app.extensions["chat_files_sweeper"]  # type: ignore[attr-defined]
        sweeper._grace = 0.0
        removed = await sweeper.sweep()
        left = await backend.objects()
        orphan_record = await select_file(orphan.file_id)
    assert sent[0] == 303 and removed == 1 and orphan_record is None
    assert len(left) == 1 and await backend.store.get(left[0]) == b"kept"


async def test_the_message_arrives_live_with_its_files_and_an_edit_keeps_them(
    make_chat_app: AppFactory, fake_auth: FakeAuth, backend: Backend
) -> None:
    app = make_chat_app()
    ada_session, bob_session = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with app.test_app() as test_app, serve(app, lifespan="off") as base_url:
        ada = sign_in(test_app, fake_auth, "Ada")
        ada.client.set_cookie("localhost", "chat_session", ada_session.token)
        await ada.say("general", "before")
        _, page = await ada.get("/rooms/general")
        newest = message_ids_in(page)[-1]
        async with room_stream(base_url, bob_session, "general", f"?after={newest}") as (
            _,
            events,
        ):
            status, _, location = await post_files(
                ada, "general", [("shot.jpg", photo_with_gps()), ("log.txt", b"log")]
            )
            posted = await next_event(events)
            message_id = int(location.rsplit("-", 1)[1])
            edit = f"/rooms/general/messages/{message_id}/edit"
            edited_status, _, _ = await ada.post(edit, body="the screenshot and the log")
            edited = await next_event(events)
    assert status == 303
    assert posted is not None and edited is not None
    for event in (posted, edited):
        assert f'<img src="/files/general/{message_id}/' in event.data
        assert 'width="32" height="64"' in event.data
        assert len(file_urls(event.data)) == 2 and "log.txt" in event.data
    assert edited_status == 303 and "the screenshot and the log" in edited.data
