"""The disk store writes a streamed object while it arrives (storage/disk_writer.py): the
bytes are in a staging file before ``finish``, which obstore's listing does not show; the
object appears under its key only once finished; an abort leaves nothing."""

from __future__ import annotations

from pathlib import Path

from chat_svc.files.storage.object_store import local_object_store

MB = 1024 * 1024


def files_in(directory: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in directory.iterdir()}


def every_file(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


async def test_the_bytes_reach_the_disk_while_the_upload_still_arrives(tmp_path: Path) -> None:
    store = local_object_store(tmp_path)
    writer = store.open_writer("files/c/original")
    for _ in range(3):
        await writer.write(b"y" * MB)
    await writer.write(b"tail")
    staged = files_in(tmp_path / "files/c")
    listed = await store.keys("files")
    await writer.finish()
    (staging,) = staged
    assert staging.startswith("original#") and staged[staging] == 3 * MB
    assert listed == []  # not an object before it is finished
    assert files_in(tmp_path / "files/c") == {"original": 3 * MB + 4}
    assert await store.get("files/c/original") == b"y" * (3 * MB) + b"tail"


async def test_an_aborted_object_leaves_nothing(tmp_path: Path) -> None:
    store = local_object_store(tmp_path)
    writer = store.open_writer("files/d/original")
    await writer.write(b"z" * (2 * MB))
    await writer.abort()
    assert every_file(tmp_path) == []
    assert await store.keys("files") == []
