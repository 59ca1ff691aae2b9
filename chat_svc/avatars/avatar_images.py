"""An uploaded picture made into avatars: checked by content (filetype), refused by its
header when it has too many pixels (nothing is decoded), turned upright by its EXIF
orientation, cropped to a centred square and saved as 256 px and 64 px WebP with no
metadata (Pillow writes only what it is given, and the copies are given none)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from chat_svc.files.uploading.file_kinds import SNIFF_BYTES, sniffed_type

AVATAR_SIZES = (256, 64)
# Raster formats Pillow reads; SVG (and anything else) is refused before Pillow sees it.
ACCEPTED_TYPES = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; a 20,000 x 20,000 image is refused
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
WEBP_QUALITY = 85


class AvatarRefusedError(Exception):
    """Not a picture we make an avatar from; the message is shown to the person."""


def avatar_images(data: bytes) -> dict[int, bytes]:
    """WebP bytes by size in pixels (``AVATAR_SIZES``)."""
    pillow_format = ACCEPTED_TYPES.get(sniffed_type(data[:SNIFF_BYTES]))
    if pillow_format is None:
        raise AvatarRefusedError("Choose a PNG, JPEG, GIF or WebP picture.")
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise AvatarRefusedError(_too_large(image.width, image.height))
            image.draft("RGB", (AVATAR_SIZES[0] * 2, AVATAR_SIZES[0] * 2))  # JPEG: scaled decode
            upright = ImageOps.exif_transpose(image).convert("RGBA")
    except Image.DecompressionBombError as error:  # Pillow's own header check, further up
        raise AvatarRefusedError("That picture has too many pixels.") from error
    except (OSError, ValueError, SyntaxError) as error:
        raise AvatarRefusedError("That picture could not be read.") from error
    largest = ImageOps.fit(upright, (AVATAR_SIZES[0],) * 2, Image.Resampling.LANCZOS)
    return {size: _webp(largest, size) for size in AVATAR_SIZES}


def _too_large(width: int, height: int) -> str:
    limit = MAX_PIXELS // 1_000_000
    return f"That picture has too many pixels ({width} x {height}): at most {limit} million."


def _webp(square: Image.Image, size: int) -> bytes:
    resized = square.resize((size, size), Image.Resampling.LANCZOS)
    resized.info.clear()  # no EXIF, ICC or XMP carried over
    out = io.BytesIO()
    resized.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()
