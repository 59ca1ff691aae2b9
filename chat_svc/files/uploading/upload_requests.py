"""Quart's request, with a larger body limit and a longer body timeout for a message post
that carries files. Everything else keeps the app's small form limit
(service_kit/serving/web.py, 64 KiB): only this route reads large bodies, and it spools the
files to temporary files as they arrive (Quart's multipart parser), not into memory."""

from __future__ import annotations

import re
from typing import Any

from quart import Request

from chat_svc.files.file_settings import FileSettings

# Message posts, and the forms with a picture (chat_svc/avatars/).
POST_PATHS = re.compile(
    r"^/((rooms/[a-z0-9][a-z0-9-]{0,63}/)?messages|settings/profile|admin/bots/bot-[0-9a-f]+/avatar)$"
)
# At 1 MB/s a full upload of ten 50 MB files takes minutes; the default 60 s would cut it.
UPLOAD_BODY_SECONDS = 30 * 60


def upload_request_class(settings: FileSettings) -> type[Request]:
    limit = settings.max_request_bytes

    class UploadRequest(Request):
        def __init__(self, method: str, scheme: str, path: str, *args: Any, **kwargs: Any):
            if method == "POST" and POST_PATHS.match(path) and _is_multipart(args):
                kwargs["max_content_length"] = limit
                kwargs["body_timeout"] = UPLOAD_BODY_SECONDS
            super().__init__(method, scheme, path, *args, **kwargs)
            if kwargs.get("max_content_length") == limit:
                self.max_content_length = limit  # the multipart parser's own check

    return UploadRequest


def _is_multipart(args: tuple[Any, ...]) -> bool:
    headers = args[1]  # (query_string, headers, root_path, http_version, ...)
    return str(headers.get("Content-Type", "")).startswith("multipart/form-data")
