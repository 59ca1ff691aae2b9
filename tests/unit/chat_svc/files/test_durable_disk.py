"""The disk store acknowledges an object only once it is on the disk: its file and every
directory up to the store's root fsynced (obstore alone syncs nothing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chat_svc.files.storage.object_store import local_object_store


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths fsynced, in order (os.fsync still runs: a spy, not a stand-in)."""
    paths: list[Path] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        paths.append(Path(f"/proc/self/fd/{descriptor}").readlink())
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return paths


def chain(root: Path, key: str) -> list[Path]:
    return [root / key, root / key.rsplit("/", 1)[0], root / "files", root]


async def test_a_put_object_is_synced_with_its_directories(
    tmp_path: Path, synced: list[Path]
) -> None:
    store = local_object_store(tmp_path / "objects")
    await store.put("files/a/thumbnail", b"small")
    assert synced == chain((tmp_path / "objects").resolve(), "files/a/thumbnail")


async def test_a_streamed_object_is_synced_before_finish_returns(
    tmp_path: Path, synced: list[Path]
) -> None:
    store = local_object_store(tmp_path / "objects")
    writer = store.open_writer("files/b/original")
    await writer.write(b"x" * 100_000)
    assert synced == []
    await writer.finish()
    root = (tmp_path / "objects").resolve()
    assert synced == chain(root, "files/b/original")
    assert (root / "files/b/original").read_bytes() == b"x" * 100_000
