"""Previews of PDFs and videos (issue 31): a PDF's first page becomes a thumbnail made by the
worker (a malformed one gets none and keeps its link); MP4 and WebM play in the page's
<video> from the members-only URL, served inline only for those types, under sandbox."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from chat_svc.files.previews.preview_kinds import PDF_PREVIEW_BOX
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.file_posts import file_urls, post_files
from tests.integration.chat_svc.people import Person, sign_in
from tests.support.pdf_files import LETTER, pdf_of

# Enough of each container for the type to be told from the content (filetype); a browser
# would show its first frame, the server never decodes it.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free" + bytes(64)
WEBM = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810442858102")
BROKEN_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n%%EOF garbage"


async def answered(person: Person, url: str) -> tuple[int, bytes, dict[str, str]]:
    """Once the worker is done: the view holds a pending thumbnail up to 10 s, then 503."""
    for _ in range(6):
        response = await person.client.get(url)
        if response.status_code != 503:
            break
        await asyncio.sleep(0.5)
    headers = {name.lower(): value for name, value in response.headers.items()}
    return response.status_code, await response.get_data(as_text=False), headers


async def test_pdfs_get_a_first_page_thumbnail_and_videos_play_for_members_only(
    make_chat_app: AppFactory, fake_auth: FakeAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_FILES_DIR", str(tmp_path / "files"))
    pdf = pdf_of(LETTER)
    async with make_chat_app(token_cache_seconds=0).test_app() as test_app:
        ada, bob = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Bob")
        carol = sign_in(test_app, fake_auth, "Carol")
        slug = await ada.create_room("Reports", visibility="closed")
        await bob.get("/rooms")
        await ada.post(f"/rooms/{slug}/members", name="Bob")
        posted = await post_files(
            ada,
            slug,
            [("report.pdf", pdf), ("broken.pdf", BROKEN_PDF), ("clip.mp4", MP4), ("c.webm", WEBM)],
        )
        _, page = await bob.get(f"/rooms/{slug}")
        report, broken, clip, webm = file_urls(page)
        preview = await answered(bob, f"{report}/thumbnail")
        none = await answered(bob, f"{broken}/thumbnail")
        pdf_file = await answered(bob, report)
        broken_file = await answered(bob, broken)
        video = await answered(bob, clip)
        webm_type = (await answered(bob, webm))[2]["content-type"]
        part = await bob.client.get(clip, headers={"Range": "bytes=10-19"})
        past_the_end = await bob.client.get(clip, headers={"Range": f"bytes={len(MP4)}-"})
        strangers = [
            (await answered(carol, url))[0] for url in (clip, webm, report, f"{report}/thumbnail")
        ]
    assert posted[0] == 303
    width, height = PDF_PREVIEW_BOX
    for url in (report, broken):  # sized before it loads, the PDF's link around it
        assert f'<a href="{url}" class="pdf-link" download><img src="{url}/thumbnail" ' in page
        assert f'width="{width}" height="{height}"' in page
    assert preview[0] == 200 and preview[2]["content-type"] == "image/png"
    assert Image.open(io.BytesIO(preview[1])).size == PDF_PREVIEW_BOX
    assert preview[2]["content-security-policy"].startswith("sandbox")
    assert none[0] == 404  # PDFium could not open it: no preview...
    assert broken_file[0] == 200 and broken_file[1] == BROKEN_PDF  # ...and still its file
    assert pdf_file[1] == pdf and pdf_file[2]["content-disposition"].startswith("attachment")
    for url in (clip, webm):
        assert re.search(rf'<video src="{re.escape(url)}" controls preload="metadata"', page)
    status, data, headers = video
    assert status == 200 and data == MP4 and headers["content-type"] == "video/mp4"
    assert headers["content-disposition"].startswith("inline")
    assert headers["content-security-policy"].startswith("sandbox")
    assert "media-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert webm_type == "video/webm" and headers["accept-ranges"] == "bytes"
    # The player asks for the bytes it needs (an MP4's index is often at its end).
    assert part.status_code == 206 and await part.get_data() == MP4[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(MP4)}"
    assert part.headers["Content-Security-Policy"].startswith("sandbox")
    assert past_the_end.status_code == 416
    assert past_the_end.headers["Content-Range"] == f"bytes */{len(MP4)}"
    assert strangers == [404, 404, 404, 404]
