"""``GET /avatars/<user id>/<version>/<size>.webp``: to signed-in people only (401
otherwise). The URL names one picture for ever, so browsers keep it a year without asking."""

from __future__ import annotations

import re

from quart import Blueprint, Response, abort, current_app
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import current_viewer
from chat_svc.avatars.avatar_images import AVATAR_SIZES
from chat_svc.avatars.avatar_storage import avatar_key
from chat_svc.files.downloads.file_downloads import STORE_KEY
from chat_svc.files.storage.object_store import (
    ObjectMissingError,
    ObjectStore,
    StoreUnavailableError,
)

avatar_downloads = Blueprint("avatar_downloads", __name__)

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
VERSION = re.compile(r"^[0-9a-f]{16}$")
# private: shown to signed-in people only, never kept by a shared proxy.
FOREVER = "private, max-age=31536000, immutable"


@avatar_downloads.get("/avatars/<user_id>/<version>/<size_name>.webp")
async def avatar_picture(user_id: str, version: str, size_name: str) -> ResponseReturnValue:
    # Read strictly like every number in a path: "064" or "+64" is no size.
    size = int(size_name) if size_name.isdigit() and str(int(size_name)) == size_name else 0
    if await current_viewer() is None:
        abort(401)
    if size not in AVATAR_SIZES or not ACCOUNT_ID.match(user_id) or not VERSION.match(version):
        abort(404)
    store: ObjectStore = current_app.extensions[STORE_KEY]
    try:
        image = await store.get(avatar_key(user_id, version, size))
    except ObjectMissingError:
        abort(404)
    except StoreUnavailableError:
        return "Avatars cannot be read right now.", 503, {"Retry-After": "5"}
    response = Response(image, content_type="image/webp")
    response.headers["Cache-Control"] = FOREVER
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
