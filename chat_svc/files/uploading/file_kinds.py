"""What a file is, from its first bytes (filetype), never from its name or the browser's
claim; and which kinds are shown inline."""

from __future__ import annotations

import filetype

GENERIC_TYPE = "application/octet-stream"
# Raster images browsers draw safely and Pillow reads (HEIC is not read by Pillow: a file).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})
# Enough for every signature filetype knows (its own readers look at most this far).
SNIFF_BYTES = 8192


def sniffed_type(head: bytes) -> str:
    """The MIME type the content says it is; octet-stream for anything unknown (text,
    HTML and SVG among them: they are served as attachments, never rendered)."""
    kind = filetype.guess(head)
    return str(kind.mime) if kind is not None else GENERIC_TYPE


def is_inline_image(content_type: str) -> bool:
    return content_type in INLINE_IMAGE_TYPES
