"""PDFs for the preview tests, written by PDFium itself (pypdfium2): blank pages of any size."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

LETTER = (612.0, 792.0)  # points


def pdf_of(*pages: tuple[float, float]) -> bytes:
    """A PDF with one blank page of each (width, height) in points; none: no pages."""
    document = pdfium.PdfDocument.new()
    for width, height in pages:
        document.new_page(width, height)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
