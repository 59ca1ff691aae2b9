"""A streaming ``multipart/form-data`` reader for the message post with files.

Why not Quart's parser: werkzeug's multipart decoder finds each boundary with a regular
expression over its whole buffer, about 25 MB/s of CPU on random bytes, which made a 20 MB
upload through the app a fifth as fast as writing it to the store (docs/performance.md,
"Files"). Here the boundary is found with ``bytes.find`` (C speed) and a file's bytes go
straight to a spooled temporary file as they arrive; the text fields are kept in memory,
each at most ``MAX_FIELD_BYTES``. Anything malformed raises ``MalformedFormError`` (400).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import IO

from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

MAX_FIELD_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_PARTS = 64
SPOOL_BYTES = 1024 * 1024  # a file smaller than this stays in memory


class MalformedFormError(ValueError):
    """Not a multipart form this reader accepts (the answer is 400)."""


@dataclass
class ReadFile:
    name: str | None
    stream: IO[bytes]
    size: int = 0


@dataclass
class ReadForm:
    fields: MultiDict[str, str] = field(default_factory=MultiDict)
    files: list[tuple[str, ReadFile]] = field(default_factory=list)


@dataclass
class _Part:
    name: str
    file: ReadFile | None
    text: bytearray = field(default_factory=bytearray)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.file is not None:
            self.file.stream.write(data)
            self.file.size += len(data)
            return
        self.text += data
        if len(self.text) > MAX_FIELD_BYTES:
            raise MalformedFormError(f"field {self.name!r} is too long")


def _part_of(head: bytes) -> _Part:
    disposition = ""
    for line in head.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-disposition":
            disposition = value.strip()
    kind, options = parse_options_header(disposition)
    if kind != "form-data" or "name" not in options:
        raise MalformedFormError("a part without a form-data name")
    if "filename" not in options:
        return _Part(options["name"], None)
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller's
    return _Part(options["name"], ReadFile(options["filename"], spooled))


async def read_multipart(body: AsyncIterable[bytes], boundary: bytes) -> ReadForm:
    """The fields and files of a multipart body, read as it arrives."""
    if not boundary or len(boundary) > 70:
        raise MalformedFormError("no usable boundary")
    delimiter = b"\r\n--" + boundary
    form = ReadForm()
    buffer = bytearray(b"\r\n")  # the first boundary then reads like every other one
    part: _Part | None = None
    state = "preamble"
    parts = 0
    async for chunk in body:
        buffer += chunk
        while True:
            if state in ("preamble", "body"):
                found = buffer.find(delimiter)
                if found < 0:
                    keep = len(delimiter) - 1  # a delimiter may be cut across chunks
                    if part is not None and len(buffer) > keep:
                        part.write(memoryview(buffer)[: len(buffer) - keep])
                    if len(buffer) > keep:
                        del buffer[: len(buffer) - keep]
                    break
                if part is not None:
                    part.write(memoryview(buffer)[:found])
                    _finish(part, form)
                    part = None
                del buffer[: found + len(delimiter)]
                state = "after_boundary"
            if state == "after_boundary":
                if len(buffer) < 2:
                    break
                if buffer[:2] == b"--":
                    return form  # the closing boundary; the epilogue is ignored
                if buffer[:2] != b"\r\n":
                    raise MalformedFormError("garbage after a boundary")
                del buffer[:2]
                state = "headers"
            if state == "headers":
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > MAX_HEADER_BYTES:
                        raise MalformedFormError("part headers too long")
                    break
                parts += 1
                if parts > MAX_PARTS:
                    raise MalformedFormError("too many parts")
                part = _part_of(bytes(buffer[:end]))
                del buffer[: end + 4]
                state = "body"
    raise MalformedFormError("the form ended before its closing boundary")


def _finish(part: _Part, form: ReadForm) -> None:
    if part.file is None:
        try:
            form.fields.add(part.name, part.text.decode())
        except UnicodeDecodeError as error:
            raise MalformedFormError(f"field {part.name!r} is not UTF-8") from error
        return
    part.file.stream.seek(0)
    form.files.append((part.name, part.file))
