"""The object store's contract (chat_svc/files/storage/), the same tests for both backends:
the disk, and S3 against a real SeaweedFS (``s3``: needs scripts/build-seaweedfs; CI builds
it once, caches .tools/bin/weed and runs ``pytest -m s3``)."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat_svc.files.storage.object_store import (
    ObjectMissingError,
    ObjectStore,
    StoreUnavailableError,
    local_object_store,
    s3_object_store,
)
from devstack.servers import S3_BUCKET, S3_REGION
from tests.support.servers import (
    S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY,
    SeaweedServer,
)

MB = 1024 * 1024


def s3_store_of(server: SeaweedServer) -> ObjectStore:
    return s3_object_store(
        endpoint=server.endpoint,
        bucket=S3_BUCKET,
        region=S3_REGION,
        access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=S3_SECRET_ACCESS_KEY,
    )


@pytest.fixture(params=["disk", pytest.param("s3", marks=pytest.mark.s3)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "disk":
        yield local_object_store(tmp_path / "objects")
        return
    server: SeaweedServer = request.getfixturevalue("seaweed")
    if not server.running:
        server.start()
    yield s3_store_of(server)


async def test_put_get_stream_and_delete_by_key(store: ObjectStore) -> None:
    big = os.urandom(12 * MB + 17)  # more than one chunk of every stream
    await store.put("files/a/original", big)
    await store.put("files/a/thumbnail", io.BytesIO(b"small"))
    size, chunks = await store.stream("files/a/original")
    streamed = b"".join([chunk async for chunk in chunks])
    assert size == len(big) and streamed == big
    assert await store.get("files/a/thumbnail") == b"small"
    assert await store.exists("files/a/original")
    await store.delete("files/a/original")
    await store.delete("files/a/original")  # twice: no error (deletions are retried)
    assert not await store.exists("files/a/original")
    assert await store.get("files/a/thumbnail") == b"small"  # only that key went


async def test_a_missing_key_is_missing_not_unavailable(store: ObjectStore) -> None:
    with pytest.raises(ObjectMissingError):
        await store.get("files/none/original")
    with pytest.raises(ObjectMissingError):
        await store.stream("files/none/original")


async def test_a_write_to_a_store_that_is_down_is_unavailable_and_leaves_nothing(
    store: ObjectStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if "s3" in request.node.callspec.id:
        server: SeaweedServer = request.getfixturevalue("seaweed")
        server.stop()
        try:
            with pytest.raises(StoreUnavailableError):
                await store.put("files/b/original", b"never stored")
        finally:
            server.start()
    else:
        (tmp_path / "objects").rmdir()
        (tmp_path / "objects").write_bytes(b"not a directory")
        with pytest.raises(StoreUnavailableError):
            await store.put("files/b/original", b"never stored")
        return
    with pytest.raises(ObjectMissingError):
        await store.get("files/b/original")


@pytest.mark.s3
async def test_a_killed_s3_server_loses_nothing_it_acknowledged(
    seaweed: SeaweedServer,
) -> None:
    """The chaos case of issue 31: SeaweedFS killed (SIGKILL) right after acknowledging
    writes, then started again on the same data: every acknowledged object is there."""
    if not seaweed.running:
        seaweed.start()
    store = s3_store_of(seaweed)
    acknowledged = {f"files/k{n}/original": os.urandom(256 * 1024 + n) for n in range(20)}
    for key, data in acknowledged.items():
        await store.put(key, data)
    assert seaweed.process is not None
    seaweed.process.process.kill()  # no clean shutdown
    seaweed.process.process.wait()
    seaweed.stop()
    with pytest.raises(StoreUnavailableError):
        await store.put("files/during/original", b"refused while down")
    seaweed.start()
    for key, data in acknowledged.items():
        assert await store.get(key) == data
