"""Test pictures for avatars: an SVG, and a PNG whose header claims 20,000 x 20,000 pixels
over a body no decoder could read (refusing it by its header is the only way to pass)."""

from __future__ import annotations

import struct
import zlib

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png_header(side: int = 20_000) -> bytes:
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit grey
    body = _chunk(b"IHDR", header) + _chunk(b"IDAT", b"not zlib") + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body
