"""The streaming multipart reader gives what the form sent, however the body is cut."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from chat_svc.files.uploading.multipart_reader import (
    FormTooLargeError,
    MalformedFormError,
    read_multipart,
)

BOUNDARY = b"----chatBoundary7MA4YWxk"
LIMIT = 64 * 1024 * 1024


def body_of(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> bytes:
    parts = [
        b"--" + BOUNDARY + b"\r\n"
        + f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode() + b"\r\n"
        for name, value in fields
    ]  # fmt: skip
    for filename, data in files:
        head = f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        parts.append(
            b"--" + BOUNDARY + b"\r\n" + head.encode()
            + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
        )  # fmt: skip
    return b"preamble\r\n" + b"".join(parts) + b"--" + BOUNDARY + b"--\r\nepilogue"


async def cut(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@dataclass
class KeptFile:
    name: str
    data: bytearray = field(default_factory=bytearray)
    finished: bool = False

    async def write(self, data: memoryview) -> None:
        assert not self.finished
        self.data += data

    async def finish(self) -> None:
        self.finished = True


def keep_file(_field: str, name: str) -> KeptFile:
    return KeptFile(name)


# A file whose bytes hold the boundary's start and stray CRLFs ("\r\n--" then not the boundary).
TRICKY = b"\r\n--" + BOUNDARY[:-1] + b"x\r\n\r\n--" + os.urandom(3000)


@pytest.mark.parametrize("size", [1, 2, 7, 41, 1000, 1 << 20])
async def test_fields_and_files_arrive_whole_however_the_body_is_cut(size: int) -> None:
    body = body_of(
        [("csrf_token", "tok"), ("body", "héllo\r\nthere")],
        [("a.bin", TRICKY), ("empty.txt", b""), ("ü name.txt", b"text")],
    )
    form = await read_multipart(cut(body, size), BOUNDARY, keep_file, LIMIT)
    assert form.fields.getlist("body") == ["héllo\r\nthere"]
    assert form.fields["csrf_token"] == "tok"
    names = [(name, read.name, len(read.data)) for name, read in form.files]
    assert names == [
        ("files", "a.bin", len(TRICKY)),
        ("files", "empty.txt", 0),
        ("files", "ü name.txt", 4),
    ]
    assert form.files[0][1].data == TRICKY
    assert all(read.finished for _, read in form.files)


@pytest.mark.parametrize(
    "body",
    [
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
        b"--" + BOUNDARY + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + BOUNDARY + b"--",
        b"--" + BOUNDARY + b"XX",
    ],
)
async def test_a_malformed_body_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedFormError):
        await read_multipart(cut(body, 5), BOUNDARY, keep_file, LIMIT)


async def test_a_body_over_the_limit_is_refused_as_it_arrives() -> None:
    body = body_of([], [("a.bin", os.urandom(50_000))])
    with pytest.raises(FormTooLargeError):
        await read_multipart(cut(body, 4096), BOUNDARY, keep_file, 40_000)
    form = await read_multipart(cut(body, 4096), BOUNDARY, keep_file, len(body))
    assert len(form.files[0][1].data) == 50_000
