"""Which sniffed types get a preview (file_kinds.py decides the type from the content), and
the fixed box a PDF's first page is drawn into: known before the worker runs, so the page
reserves it and nothing jumps when the thumbnail arrives."""

from __future__ import annotations

PDF_TYPE = "application/pdf"
PDF_THUMBNAIL_TYPE = "image/png"  # text stays sharp; a page is mostly flat colour
PDF_PREVIEW_BOX = (240, 320)  # width, height in CSS pixels; the page is centred inside
# Played by every current browser from <video>; the browser decodes, never our server.
PLAYABLE_VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})


def file_preview(content_type: str) -> str:
    """The page's kind of preview for a file that is not an inline image: "pdf", "video" or
    "" (the template's ``file_preview``, _message_files.html)."""
    if is_pdf(content_type):
        return "pdf"
    return "video" if is_playable_video(content_type) else ""


def is_pdf(content_type: str) -> bool:
    return content_type == PDF_TYPE


def is_playable_video(content_type: str) -> bool:
    return content_type in PLAYABLE_VIDEO_TYPES
