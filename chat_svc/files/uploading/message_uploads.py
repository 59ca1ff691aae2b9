"""``POST /rooms/<slug>/messages`` as ``multipart/form-data``: the text in ``body`` (may be
empty with files) and the files in the repeated ``files``. The answer is a text post's (303,
or the fresh form for HTMX); a refusal is the form with its reason at 413, 429 or 503, the
draft kept. The fast path hands multipart posts to Quart untouched
(web/fast_paths/post_fast_path.py reads only URL-encoded forms)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from quart import abort, current_app, redirect, request
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from chat_svc.actions.post_intake import AlreadySentError, PostRefusedError
from chat_svc.actions.send_once import valid_client_id
from chat_svc.auth.viewers import signed_in_viewer
from chat_svc.files.storage.object_store import StoreUnavailableError
from chat_svc.files.uploading.multipart_reader import (
    FormTooLargeError,
    MalformedFormError,
    read_multipart,
)
from chat_svc.files.uploading.upload_streams import StreamedUpload
from chat_svc.files.uploading.uploads import UploadRefusedError, Uploads
from chat_svc.services import services_of
from chat_svc.web.forms import MessageForm
from service_kit.serving.web import is_htmx

log = logging.getLogger(__name__)

UPLOADS_KEY = "chat_files_uploads"
FILES_FIELD = "files"
MULTIPART = "multipart/form-data"
STORE_DOWN = (
    "Nothing was sent: the file store is not answering. Your message and files are "
    "still here; send again in a moment."
)

RenderForm = Callable[[str, MessageForm, int], Awaitable[ResponseReturnValue]]


def is_file_post() -> bool:
    return request.mimetype == MULTIPART


class FilesMessageForm(MessageForm):
    """A message form whose text may be empty when files come with it."""

    has_files = False

    def validate_body(self, field: object) -> None:
        if self.has_files and not self.body.data:
            return
        super().validate_body(field)  # type: ignore[arg-type]


async def read_form(
    uploads: Uploads, slug: str, opened: list[StreamedUpload]
) -> MultiDict[str, str]:
    """The text fields; each file is written to the store as it arrives and lands in
    ``opened`` (files past the per-message count are read and dropped, still counted)."""
    most = uploads.settings.upload_max_files

    def open_file(field: str, name: str) -> StreamedUpload:
        kept = sum(1 for upload in opened if not upload.is_empty) < most
        keep = field == FILES_FIELD and kept
        upload = uploads.open(signed_in_viewer().user_id, slug, name, keep)
        if field == FILES_FIELD:
            opened.append(upload)
        return upload

    boundary = request.mimetype_params.get("boundary", "").encode("latin-1")
    try:
        limit = uploads.settings.max_request_bytes
        return (await read_multipart(request.body, boundary, open_file, limit)).fields
    except FormTooLargeError as too_large:
        log.info("upload form refused: %s", too_large)
        abort(413)
    except MalformedFormError as malformed:
        log.info("malformed upload form: %s", malformed)
        abort(400)


async def post_with_files(slug: str, render_form: RenderForm) -> ResponseReturnValue:
    """Checks, stores the files, posts the message with them; ``render_form`` draws the room
    (or its form for HTMX) with errors, as the text post's view does."""
    uploads: Uploads = current_app.extensions[UPLOADS_KEY]
    opened: list[StreamedUpload] = []
    try:
        fields = await read_form(uploads, slug, opened)
        sent = [upload for upload in opened if not upload.is_empty]
        return await _post(slug, render_form, uploads, fields, sent)
    finally:  # whatever did not become a record (refused, failed, malformed) leaves the store
        for upload in opened:
            if not upload.recorded:
                await upload.discard()


async def _post(
    slug: str,
    render_form: RenderForm,
    uploads: Uploads,
    fields: MultiDict[str, str],
    sent: list[StreamedUpload],
) -> ResponseReturnValue:
    settings = services_of().settings
    form = FilesMessageForm(fields, max_chars=settings.message_max_chars)
    form.has_files = bool(sent)
    if not form.validate():
        return await render_form(slug, form, 422)
    viewer = signed_in_viewer()
    try:
        files = await uploads.take(viewer.user_id, sent)
        message = await services_of().actions.messages.post(
            viewer,
            slug,
            str(form.body.data or ""),
            client_id=valid_client_id(form.client_id.data),
            files=tuple(files),
        )
    except UploadRefusedError as refused:
        form.form_errors.append(refused.message)
        return await render_form(slug, form, refused.status)
    except StoreUnavailableError as down:
        log.warning("file store unavailable: %s", down)
        form.form_errors.append(STORE_DOWN)
        return await render_form(slug, form, 503)
    except PostRefusedError as refused:
        form.form_errors.append(f"You are sending fast; wait {refused.retry_after} seconds.")
        return await render_form(slug, form, 429)
    except AlreadySentError as already:
        return _answer(slug, already.message_id) or await render_form(slug, form, 200)
    await uploads.attached(slug, message.message_id, files)
    return _answer(slug, message.message_id) or await render_form(
        slug, MessageForm(None, max_chars=settings.message_max_chars), 200
    )


def _answer(slug: str, message_id: int) -> ResponseReturnValue | None:
    """Without JavaScript: the 303 to the new message; None: HTMX gets a fresh form."""
    if is_htmx():
        return None
    return redirect(f"/rooms/{slug}#message-{message_id}", 303)
