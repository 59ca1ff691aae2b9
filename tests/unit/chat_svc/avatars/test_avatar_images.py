"""Avatars made from uploads: square WebP at both sizes, upright, without EXIF; SVG and
over-large images refused before any decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chat_svc.avatars.avatar_images import AVATAR_SIZES, AvatarRefusedError, avatar_images
from tests.integration.chat_svc.avatar_pictures import SVG, huge_png_header
from tests.integration.chat_svc.file_posts import photo_with_gps


def test_a_photo_becomes_square_webp_avatars_without_exif() -> None:
    images = avatar_images(photo_with_gps(width=300, height=120))
    assert sorted(images) == sorted(AVATAR_SIZES)
    for size, data in images.items():
        with Image.open(io.BytesIO(data)) as avatar:
            assert avatar.format == "WEBP" and avatar.size == (size, size)
            assert not avatar.getexif() and "exif" not in avatar.info
        assert b"Exif" not in data and b"GPS" not in data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SVG, "Choose a PNG, JPEG, GIF or WebP"),
        (b"GIF89a" + b"\x00" * 40, "could not be read"),
        # Decoding this body fails with "could not be read": the header alone refuses it.
        (huge_png_header(), "too many pixels"),
        (huge_png_header(side=7_000), "too many pixels"),  # under Pillow's own bomb limit
    ],
)
def test_pictures_that_are_not_avatars_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(AvatarRefusedError, match=reason):
        avatar_images(data)
