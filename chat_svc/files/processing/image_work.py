"""Pillow's part: an image's size at upload (its header only), and in the worker the image as
served (orientation applied, EXIF and every other metadata left out) and its thumbnail.

Pillow over pyvips: Pillow is installed and kept everywhere, needs no system library, and reads
every format we show inline; pyvips streams and is faster on very large images, but needs
libvips on every host. ``Image.draft`` lets JPEG decode at a reduced scale for thumbnails,
which removes most of that difference for the common photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from chat_svc.models.message_shape import THUMBNAIL_BOX

JPEG_QUALITY = 88


class UnreadableImageError(Exception):
    """Not an image Pillow reads within the pixel limit: served as a plain attachment."""


@dataclass(frozen=True)
class ServedImage:
    image: bytes  # the full image as served
    thumbnail: bytes
    content_type: str
    width: int
    height: int


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            raise UnreadableImageError(f"{image.width}x{image.height} is over the pixel limit")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise UnreadableImageError(str(error)) from error
    return image


def image_size(data: bytes, max_pixels: int) -> tuple[int, int]:
    """Width and height as shown (a photo turned by its EXIF orientation); reads the header."""
    image = _open(data, max_pixels)
    width, height = image.size
    orientation = image.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def serve_ready(data: bytes, content_type: str, max_pixels: int) -> ServedImage:
    """The image re-encoded without metadata, and its thumbnail. An animated GIF stays as it
    was (GIF carries no EXIF) so it plays, and is its own thumbnail."""
    image = _open(data, max_pixels)
    try:
        if content_type == "image/gif" and getattr(image, "is_animated", False):
            return ServedImage(data, data, content_type, image.width, image.height)
        image.load()
        upright = ImageOps.exif_transpose(image)
        served = _encode(upright, content_type)
        small = upright.copy()
        small.thumbnail(THUMBNAIL_BOX)
        return ServedImage(
            served,
            _encode(small, content_type),
            served_type(content_type),
            upright.width,
            upright.height,
        )
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableImageError(str(error)) from error


def _encode(image: Image.Image, content_type: str) -> bytes:
    """Saved without ``exif``/``icc``/text chunks: Pillow writes only what it is given."""
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif content_type == "image/png":
        image.save(out, "PNG")
    elif content_type == "image/gif":
        image.save(out, "GIF")
    else:  # webp, avif: served as WebP
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    return out.getvalue()


def served_type(content_type: str) -> str:
    return (
        content_type if content_type in ("image/jpeg", "image/png", "image/gif") else "image/webp"
    )
