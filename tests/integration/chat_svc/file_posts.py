"""Posting files as a browser's multipart form does, and test images made with Pillow."""

from __future__ import annotations

import io
import re
import secrets

from PIL import Image

from tests.integration.chat_svc.people import HTMX, Person


def multipart(
    fields: dict[str, str], files: list[tuple[str, bytes]], file_field: str = "files"
) -> tuple[bytes, str]:
    """The body and Content-Type of a form with repeated ``files`` (or ``file_field``) parts."""
    boundary = "----chat" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


async def post_files(
    person: Person, slug: str, files: list[tuple[str, bytes]], body: str = "", htmx: bool = False
) -> tuple[int, str, str]:
    """(status, body, Location) of a message post with files."""
    data, content_type = multipart({"csrf_token": await person.csrf(), "body": body}, files)
    headers = {"Content-Type": content_type} | (HTMX if htmx else {})
    response = await person.client.post(f"/rooms/{slug}/messages", data=data, headers=headers)
    text = await response.get_data(as_text=True)
    return response.status_code, text, response.headers.get("Location", "")


def file_urls(page: str) -> list[str]:
    return re.findall(r'<a href="(/files/[^"]+)" class="file-link"', page)


def photo_with_gps(width: int = 64, height: int = 32) -> bytes:
    """A JPEG wider than tall, with GPS EXIF and orientation 6 (shown turned: tall)."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 7.0), 3: "E", 4: (4.0, 53.0, 41.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
