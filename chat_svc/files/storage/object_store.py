"""One async object-store interface over obstore: put, get, stream and delete by key
(and ``keys`` to list, for maintenance).

obstore (Rust's ``object_store``) gives the local disk and S3 one API, so both backends are
this one class with a different ``obstore`` store inside (``open_object_store``). Profiles
(avatars) and any later feature use the same four calls. Every failure other than a missing
key is ``StoreUnavailableError``: the caller answers 503 and has sent nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import LocalStore, S3Store

from chat_svc.files.storage.disk_writer import DiskWriter
from chat_svc.files.storage.durable_disk import sync_object

if TYPE_CHECKING:
    from obstore import AsyncWritableFile, GetOptions

STREAM_CHUNK_BYTES = 256 * 1024
# obstore raises its NotFoundError from the S3 backend and FileNotFoundError from the disk.
MISSING = (NotFoundError, FileNotFoundError)

Payload = bytes | IO[bytes] | AsyncIterable[bytes] | Iterable[bytes]


class StoreUnavailableError(Exception):
    """The store did not answer, or refused: nothing was written."""


class ObjectMissingError(Exception):
    """No object under that key."""


class ObjectStore:
    """Objects by key (``files/<id>/original``); keys never come from what a client sent."""

    def __init__(
        self, store: LocalStore | S3Store, description: str, synced_root: Path | None = None
    ) -> None:
        self._store = store
        self.description = description  # for logs: "disk /srv/files", "s3 bucket at url"
        self._synced_root = synced_root  # the disk's root: each object fsynced (durable_disk)

    async def put(self, key: str, data: Payload) -> None:
        try:
            await obstore.put_async(self._store, key, data)
            await self.make_durable(key)
        except Exception as error:
            raise StoreUnavailableError(f"put {key}: {error}") from error

    async def make_durable(self, key: str) -> None:
        """On the disk once this returns (S3 answers only once its servers hold it)."""
        if self._synced_root is not None:
            await asyncio.to_thread(sync_object, self._synced_root, key)

    def open_writer(self, key: str) -> ObjectWriter:
        """The object written as its bytes come (S3: a multipart upload; the disk: in a thread
        while they arrive, disk_writer.py); it exists only once ``finish`` returns, and
        ``abort`` leaves nothing."""
        if self._synced_root is not None:
            return ObjectWriter(self, DiskWriter(self._synced_root, key), key)
        return ObjectWriter(self, obstore.open_writer_async(self._store, key), key)

    async def get(self, key: str) -> bytes:
        try:
            found = await obstore.get_async(self._store, key)
            return bytes(await found.bytes_async())
        except MISSING as missing:
            raise ObjectMissingError(key) from missing
        except Exception as error:
            raise StoreUnavailableError(f"get {key}: {error}") from error

    async def stream(
        self, key: str, span: tuple[int, int] | None = None
    ) -> tuple[int, AsyncIterator[bytes]]:
        """The object's size and its bytes in chunks (opened now: a missing key raises here);
        ``span``: only bytes start to end (exclusive), for a video's Range request."""
        try:
            options: GetOptions = {"range": span} if span is not None else {}
            found = await obstore.get_async(self._store, key, options=options)
        except MISSING as missing:
            raise ObjectMissingError(key) from missing
        except Exception as error:
            raise StoreUnavailableError(f"get {key}: {error}") from error

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in found.stream(min_chunk_size=STREAM_CHUNK_BYTES):
                yield bytes(chunk)

        return int(found.meta["size"]), chunks()

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectMissingError:
            return False
        return True

    async def size(self, key: str) -> int:
        try:
            return int((await obstore.head_async(self._store, key))["size"])
        except MISSING as missing:
            raise ObjectMissingError(key) from missing
        except Exception as error:
            raise StoreUnavailableError(f"head {key}: {error}") from error

    async def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (maintenance and tests; requests never list)."""
        try:
            listed = obstore.list(self._store, prefix)
            return [entry["path"] async for batch in listed for entry in batch]
        except Exception as error:
            raise StoreUnavailableError(f"list {prefix}: {error}") from error

    async def delete(self, key: str) -> None:
        """Gone afterwards; deleting a missing key is no error (deletions are retried)."""
        try:
            await obstore.delete_async(self._store, key)
        except MISSING:
            return
        except Exception as error:
            raise StoreUnavailableError(f"delete {key}: {error}") from error


class UploadAbortedError(Exception):
    """Handed to the writer so it drops what it buffered instead of completing the object."""


class ObjectWriter:
    def __init__(self, store: ObjectStore, file: AsyncWritableFile | DiskWriter, key: str) -> None:
        self._store = store
        self._file = file
        self._key = key

    async def write(self, data: bytes) -> None:
        try:
            await self._file.write(data)
        except Exception as error:
            raise StoreUnavailableError(f"write {self._key}: {error}") from error

    async def finish(self) -> None:
        try:
            if isinstance(self._file, DiskWriter):  # synced as it completes
                await self._file.finish()
                return
            await self._file.close()
            await self._store.make_durable(self._key)
        except Exception as error:
            raise StoreUnavailableError(f"finish {self._key}: {error}") from error

    async def abort(self) -> None:
        """Leaving the writer with an error aborts it (S3 aborts the multipart upload)."""
        if isinstance(self._file, DiskWriter):
            await self._file.abort()
            return
        aborted = UploadAbortedError(self._key)
        with contextlib.suppress(Exception):
            await self._file.__aexit__(UploadAbortedError, aborted, None)


def local_object_store(directory: Path, durable: bool = True) -> ObjectStore:
    """``durable=False`` only for the benchmark's page-cache figure (docs/performance.md)."""
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    return ObjectStore(LocalStore(root, mkdir=True), f"disk {directory}", root if durable else None)


def s3_object_store(
    *, endpoint: str, bucket: str, region: str, access_key_id: str, secret_access_key: str
) -> ObjectStore:
    """Any S3 API: SeaweedFS in stage and compose, AWS or another provider in production."""
    store = S3Store(
        bucket,
        endpoint=endpoint,
        region=region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        virtual_hosted_style_request=False,  # path-style: works with any endpoint
        client_options={"allow_http": endpoint.startswith("http://"), "timeout": "30s"},
        retry_config={
            "max_retries": 2,
            "retry_timeout": timedelta(seconds=5),
        },  # fail soon: the answer is 503
    )
    return ObjectStore(store, f"s3 {bucket} at {endpoint}")
