"""A file's name is shown safely and its type comes from its content."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chat_svc.files.processing.image_work import UnreadableImageError, image_size, serve_ready
from chat_svc.files.uploading.file_kinds import GENERIC_TYPE, is_inline_image, sniffed_type
from chat_svc.files.uploading.file_names import MAX_NAME_CHARS, clean_file_name


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\ada\\secret plan.txt", "secret plan.txt"),
        ("../../etc/passwd", "passwd"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hid ".exe"
        ("a\u2066b\u2069c\x00d\r\ne.txt", "abcde.txt"),
        ("", "file"),
        ("...", "file"),
    ],
)
def test_names_keep_the_last_segment_without_control_or_bidi_characters(
    sent: str, shown: str
) -> None:
    assert clean_file_name(sent) == shown


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = clean_file_name("x" * 500 + ".tar.gz")
    assert len(name) <= MAX_NAME_CHARS and name.endswith(".gz")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3)).save(out, "PNG")
    return out.getvalue()


def test_the_type_comes_from_the_bytes_not_the_name() -> None:
    assert sniffed_type(png()) == "image/png"
    assert sniffed_type(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>") == GENERIC_TYPE
    assert sniffed_type(b"<!doctype html><script>1</script>") == GENERIC_TYPE
    assert is_inline_image("image/png") and not is_inline_image("image/svg+xml")


def test_an_image_over_the_pixel_limit_is_not_decoded() -> None:
    with pytest.raises(UnreadableImageError):
        image_size(png(), max_pixels=11)
    with pytest.raises(UnreadableImageError):
        serve_ready(png(), "image/png", max_pixels=11)
    assert image_size(png(), max_pixels=12) == (4, 3)
