"""The profile form's picture: the ``avatar`` file field (multipart, no script needed) or
its "remove" box. Pillow's work runs in a thread so the replica keeps serving."""

from __future__ import annotations

import asyncio

from quart import current_app, request

from chat_svc.avatars.avatar_images import MAX_UPLOAD_BYTES, AvatarRefusedError, avatar_images
from chat_svc.avatars.avatar_storage import remove_avatar, save_avatar
from chat_svc.files.downloads.file_downloads import STORE_KEY
from chat_svc.files.storage.object_store import ObjectStore, StoreUnavailableError


async def change_avatar(user_id: str, remove: bool) -> bool:
    """True when the person's picture changed; ``AvatarRefusedError`` says why not."""
    store: ObjectStore = current_app.extensions[STORE_KEY]
    upload = (await request.files).get("avatar")
    data = upload.read(MAX_UPLOAD_BYTES + 1) if upload is not None and upload.filename else b""
    try:
        if data:
            if len(data) > MAX_UPLOAD_BYTES:
                raise AvatarRefusedError("Choose a picture under 15 MB.")
            await save_avatar(store, user_id, await asyncio.to_thread(avatar_images, data))
            return True
        if remove:
            await remove_avatar(store, user_id)
            return True
    except StoreUnavailableError as error:
        raise AvatarRefusedError("Pictures cannot be saved right now. Retry soon.") from error
    return False
