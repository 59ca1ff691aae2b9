"""A streaming ``multipart/form-data`` reader for the message post with files.

Why not Quart's parser: werkzeug's multipart decoder finds each boundary with a regular
expression over its whole buffer, about 25 MB/s of CPU on random bytes, which made a 20 MB
upload through the app a fifth as fast as writing it to the store (docs/performance.md,
"Files"). Here the boundary is found with ``bytes.find`` (C speed) and a file's bytes go to
the sink ``open_file`` gives for it as they arrive (the upload writes them straight into the
object store: no temporary file); the text fields are kept in memory, each at most
``MAX_FIELD_BYTES``. Anything malformed raises ``MalformedFormError`` (400).

The whole body is counted against ``max_bytes`` as it comes (Quart's own check counts only
what it buffered since the last read, and a chunked body has no Content-Length to refuse
early). Handing a file's middle to the store as a view of the body chunk instead of a copy
was tried: no faster alone, no clear change end to end (docs/performance.md, "Files, second
pass").
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

MAX_FIELD_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_PARTS = 64


class MalformedFormError(ValueError):
    """Not a multipart form this reader accepts (the answer is 400)."""


class FormTooLargeError(ValueError):
    """The body went past ``max_bytes`` (the answer is 413)."""


class FileSink(Protocol):
    """Where one file part's bytes go; ``data`` is only valid during the call."""

    async def write(self, data: memoryview) -> None: ...

    async def finish(self) -> None: ...


Sink = TypeVar("Sink", bound=FileSink)
OpenFile = Callable[[str, str], Sink]  # (field name, file name) -> its sink


@dataclass
class ReadForm(Generic[Sink]):
    fields: MultiDict[str, str] = field(default_factory=MultiDict)
    files: list[tuple[str, Sink]] = field(default_factory=list)


@dataclass
class _Part(Generic[Sink]):
    name: str
    file: Sink | None
    text: bytearray = field(default_factory=bytearray)

    async def write(self, data: memoryview) -> None:
        if self.file is not None:
            await self.file.write(data)
            return
        self.text += data
        if len(self.text) > MAX_FIELD_BYTES:
            raise MalformedFormError(f"field {self.name!r} is too long")


def _part_of(head: bytes, open_file: OpenFile[Sink]) -> _Part[Sink]:
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
    return _Part(options["name"], open_file(options["name"], options["filename"]))


async def read_multipart(
    body: AsyncIterable[bytes], boundary: bytes, open_file: OpenFile[Sink], max_bytes: int
) -> ReadForm[Sink]:
    """The fields of a multipart body, and each file's sink once its part has ended."""
    if not boundary or len(boundary) > 70:
        raise MalformedFormError("no usable boundary")
    delimiter = b"\r\n--" + boundary
    form: ReadForm[Sink] = ReadForm()
    buffer = bytearray(b"\r\n")  # the first boundary then reads like every other one
    part: _Part[Sink] | None = None
    state = "preamble"
    parts = 0
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > max_bytes:
            raise FormTooLargeError(f"the form is over {max_bytes} bytes")
        buffer += chunk
        while True:
            if state in ("preamble", "body"):
                found = buffer.find(delimiter)
                if found < 0:
                    keep = len(delimiter) - 1  # a delimiter may be cut across chunks
                    if part is not None and len(buffer) > keep:
                        with memoryview(buffer) as view:
                            await part.write(view[: len(buffer) - keep])
                    if len(buffer) > keep:
                        del buffer[: len(buffer) - keep]
                    break
                if part is not None:
                    with memoryview(buffer) as view:
                        await part.write(view[:found])
                    await _finish(part, form)
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
                part = _part_of(bytes(buffer[:end]), open_file)
                del buffer[: end + 4]
                state = "body"
    raise MalformedFormError("the form ended before its closing boundary")


async def _finish(part: _Part[Sink], form: ReadForm[Sink]) -> None:
    if part.file is None:
        try:
            form.fields.add(part.name, part.text.decode())
        except UnicodeDecodeError as error:
            raise MalformedFormError(f"field {part.name!r} is not UTF-8") from error
        return
    await part.file.finish()
    form.files.append((part.name, part.file))
