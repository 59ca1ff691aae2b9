"""A PDF's first page drawn by PDFium (pypdfium2): the engine Chromium ships and fuzzes.

Only ever run inside ``pdf_render_child`` (a separate process under CPU, memory and wall-time
limits, pdf_previews.py): a hostile PDF can at worst make that child fail. No form
environment is set up (``init_forms`` is never called), so no JavaScript and no XFA run and
form fields are not drawn; the page is drawn at a scale that fits the preview box, so the
bitmap is never larger than the box whatever size the page claims."""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
from PIL import Image

from chat_svc.files.previews.preview_kinds import PDF_PREVIEW_BOX

# PDF 1.7 caps a page at 14,400 units a side; larger claims are a broken or hostile file.
MAX_PAGE_POINTS = 14_400.0
# Anything thinner than this in the box would be a line, not a preview.
MIN_SIDE_PIXELS = 8


class UnreadablePdfError(Exception):
    """Not a PDF PDFium opens, or a first page that cannot be drawn within the limits."""


def first_page_png(data: bytes, box: tuple[int, int] = PDF_PREVIEW_BOX) -> bytes:
    """The first page on white, fitted into ``box`` and centred, as a PNG of exactly ``box``."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:  # damaged, encrypted, not a PDF
        raise UnreadablePdfError(str(error)) from error
    try:
        if len(document) < 1:
            raise UnreadablePdfError("no pages")
        page = document[0]
        width, height = page.get_size()
        if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
            raise UnreadablePdfError(f"page of {width}x{height} points")
        scale = min(box[0] / width, box[1] / height)
        drawn = (math.floor(width * scale), math.floor(height * scale))
        if min(drawn) < MIN_SIDE_PIXELS:
            raise UnreadablePdfError(f"page of {width}x{height} points is too thin to show")
        bitmap = page.render(scale=scale, may_draw_forms=False)
        picture = bitmap.to_pil().convert("RGB")
    except pdfium.PdfiumError as error:
        raise UnreadablePdfError(str(error)) from error
    finally:
        document.close()
    return _centred(picture, box)


def _centred(picture: Image.Image, box: tuple[int, int]) -> bytes:
    picture.thumbnail(box)  # a rounding pixel over the box, never more
    canvas = Image.new("RGB", box, (255, 255, 255))
    canvas.paste(picture, ((box[0] - picture.width) // 2, (box[1] - picture.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()
