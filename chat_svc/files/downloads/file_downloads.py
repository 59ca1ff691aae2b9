"""``GET /files/<room>/<message id>/<file id>`` (the file) and ``…/thumbnail``: only for
members of the room, checked on every request like pages are (reads/room_access.py); the
same 404 for a stranger, a former member, a tampered id and a file that is gone.

Every answer is ``nosniff`` under ``Content-Security-Policy: sandbox`` (a file opened in a
tab runs nothing, reaches nothing); only a known-safe raster image and an MP4/WebM video
(for the page's <video>: the policy's media-src allows it) are inline, everything else (HTML
and SVG among it: their type is octet-stream, file_kinds.py) is an attachment."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

from quart import Blueprint, Response, abort, current_app, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.files.downloads.byte_ranges import UnsatisfiableRangeError, wanted_span
from chat_svc.files.file_records import StoredFile, select_file
from chat_svc.files.previews.preview_kinds import PDF_THUMBNAIL_TYPE, is_pdf, is_playable_video
from chat_svc.files.storage.object_store import (
    ObjectMissingError,
    ObjectStore,
    StoreUnavailableError,
)
from chat_svc.files.uploading.file_kinds import GENERIC_TYPE, is_inline_image
from chat_svc.services import services_of
from service_kit.serving.error_pages import render_error

STORE_KEY = "chat_files_store"
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
# An image is served once the worker removed its metadata; a request before waits this long.
READY_WAIT_SECONDS = 10.0
READY_POLL_SECONDS = 0.25  # each poll is a query (a scan on FerretDB)

file_downloads = Blueprint("file_downloads", __name__)


async def _member_file(room: str, message_id: int, file_id: str) -> StoredFile:
    viewer = signed_in_viewer()
    if not await services_of().reads.access.is_member(viewer.user_id, room):
        abort(404)
    found = await select_file(file_id)
    if found is None or found.room != room or found.message_id != message_id:
        abort(404)
    message = await services_of().reads.history.message(room, message_id)  # maybe not stored yet
    if message is None or message.deleted:
        abort(404)  # deleted: its objects are being removed (file_worker.py)
    return found


async def _when_processed(found: StoredFile) -> StoredFile:
    """The record once the worker has made the served image (pending only for a moment)."""
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while found.thumbnail_state == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(READY_POLL_SECONDS)
        found = await select_file(found.file_id) or abort(404)
    return found


async def _still_pending() -> ResponseReturnValue:
    """The worker is behind (a busy replica): a 503 the page's script retries."""
    body, status = await render_error(503, "This image is still being prepared. Retry soon.")
    return body, status, {"Retry-After": "2"}


def _disposition(kind: str, name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def _send(
    key: str, content_type: str, disposition: str, ranged: bool = False
) -> ResponseReturnValue:
    """The object, with every file header; ``ranged`` (a video): one byte range if asked."""
    store: ObjectStore = current_app.extensions[STORE_KEY]
    span = None
    try:
        if ranged and request.range is not None:
            size = await store.size(key)
            span = wanted_span(request.range, size)
        size, chunks = await store.stream(key, span)
    except ObjectMissingError:
        abort(404)
    except UnsatisfiableRangeError:
        return "", 416, {"Content-Range": f"bytes */{size}"}
    except StoreUnavailableError:
        body, status = await render_error(503, "Files cannot be read right now. Retry soon.")
        return body, status, {"Retry-After": "5"}
    response = Response(chunks, content_type=content_type)
    response.content_length = size
    if span is not None:
        response.status_code = 206
        response.content_length = span[1] - span[0]
        response.headers["Content-Range"] = f"bytes {span[0]}-{span[1] - 1}/{size}"
    if ranged:
        response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = disposition
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@file_downloads.get("/files/<room>/<id:message_id>/<file_id>")
@signed_in
async def download(room: str, message_id: int, file_id: str) -> ResponseReturnValue:
    found = await _member_file(room, message_id, file_id)
    if is_inline_image(found.content_type):
        found = await _when_processed(found)
        if found.thumbnail_state == "ready" and found.clean_key:
            disposition = _disposition("inline", found.name)
            return await _send(found.clean_key, found.content_type, disposition)
        if found.thumbnail_state == "pending":
            return await _still_pending()
    # Its bytes as they came (a PDF's preview is only its thumbnail): never rendered by the
    # browser, except MP4/WebM, which a <video> in the page plays (still under sandbox).
    content_type = found.content_type if not is_inline_image(found.content_type) else GENERIC_TYPE
    video = is_playable_video(content_type)
    disposition = _disposition("inline" if video else "attachment", found.name)
    return await _send(found.storage_key, content_type, disposition, ranged=video)


@file_downloads.get("/files/<room>/<id:message_id>/<file_id>/thumbnail")
@signed_in
async def thumbnail(room: str, message_id: int, file_id: str) -> ResponseReturnValue:
    found = await _when_processed(await _member_file(room, message_id, file_id))
    if found.thumbnail_state == "pending":
        return await _still_pending()
    if found.thumbnail_state != "ready" or not found.thumbnail_key:
        abort(404)
    content_type = PDF_THUMBNAIL_TYPE if is_pdf(found.content_type) else found.content_type
    disposition = _disposition("inline", f"thumbnail-{found.name}")
    return await _send(found.thumbnail_key, content_type, disposition)
