"""The PDF renderer's limits: the bitmap never exceeds the preview box whatever size the page
claims, absurd and unreadable pages give no preview, and the child process is stopped at the
time limit (chat_svc/files/previews/)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from chat_svc.files.previews.pdf_pages import UnreadablePdfError, first_page_png
from chat_svc.files.previews.pdf_previews import (
    NoPdfPreviewError,
    child_environment,
    pdf_first_page,
)
from chat_svc.files.previews.preview_kinds import PDF_PREVIEW_BOX
from tests.support.pdf_files import LETTER, pdf_of


@pytest.mark.parametrize("page", [(612, 792), (14_400, 14_400), (842, 595), (200, 100)])
def test_the_first_page_fills_exactly_the_preview_box(page: tuple[float, float]) -> None:
    picture = Image.open(io.BytesIO(first_page_png(pdf_of(page, (10, 10_000)))))
    assert picture.format == "PNG" and picture.size == PDF_PREVIEW_BOX


@pytest.mark.parametrize(
    "data",
    [
        pdf_of((20_000, 800)),  # over the 14,400 units PDF allows a side
        pdf_of((14_400, 3)),  # a line, not a page
        pdf_of(),  # no page at all
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b"not a pdf",
        b"",
    ],
)
def test_absurd_or_unreadable_pdfs_get_no_preview(data: bytes) -> None:
    with pytest.raises(UnreadablePdfError):
        first_page_png(data)


async def test_the_child_draws_and_is_stopped_at_the_time_limit() -> None:
    page = await pdf_first_page(pdf_of(LETTER), seconds=30)
    assert Image.open(io.BytesIO(page)).size == PDF_PREVIEW_BOX
    started = time.monotonic()
    with pytest.raises(NoPdfPreviewError, match="not drawn within"):
        await pdf_first_page(pdf_of(LETTER), seconds=0.01)  # less than Python's start
    assert time.monotonic() - started < 5
    with pytest.raises(NoPdfPreviewError, match="exit 2"):
        await pdf_first_page(b"not a pdf", seconds=30)


def test_the_child_gets_none_of_the_services_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_SECRET", "s3cret")
    monkeypatch.setenv("CHAT_S3_SECRET_ACCESS_KEY", "s3cret")
    assert "s3cret" not in child_environment().values()
    assert set(child_environment()) == {"PATH", "PYTHONPATH", "LC_ALL"}
