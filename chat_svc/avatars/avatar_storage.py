"""Avatars in the object store (``avatars/<user id>/<version>/<size>.webp``) and each
person's current version in their profile. A new picture is written in full before the
profile points at it; the old one is deleted after (a failed delete leaves a stray object,
never a broken picture)."""

from __future__ import annotations

import hashlib
import logging

from chat_svc.avatars.avatar_images import AVATAR_SIZES
from chat_svc.files.storage.object_store import ObjectStore, StoreUnavailableError
from chat_svc.people_directory.installation import person_changed
from chat_svc.profiles.profile_records import Profile, select_profile
from service_kit.storage.store_compat import upsert_retrying

log = logging.getLogger(__name__)


def avatar_key(user_id: str, version: str, size: int) -> str:
    return f"avatars/{user_id}/{version}/{size}.webp"


async def save_avatar(store: ObjectStore, user_id: str, images: dict[int, bytes]) -> str:
    """Store the pictures, point the profile at them and return their version."""
    version = hashlib.sha256(images[AVATAR_SIZES[0]]).hexdigest()[:16]
    for size, image in images.items():
        await store.put(avatar_key(user_id, version, size), image)
    await _point_at(store, user_id, version)
    return version


async def remove_avatar(store: ObjectStore, user_id: str) -> None:
    """Back to initials."""
    await _point_at(store, user_id, "")


async def select_avatar_versions() -> dict[str, str]:
    rows = Profile.get_pymongo_collection().find(
        {"avatar": {"$gt": ""}}, {"user_id": 1, "avatar": 1, "_id": 0}
    )
    return {str(row["user_id"]): str(row["avatar"]) async for row in rows}


async def _point_at(store: ObjectStore, user_id: str, version: str) -> None:
    old = (await select_profile(user_id)).avatar
    await upsert_retrying(
        Profile.get_pymongo_collection(), {"user_id": user_id}, {"$set": {"avatar": version}}
    )
    await person_changed(user_id, avatar=version)  # the card people_names loads from
    if old and old != version:
        try:
            for size in AVATAR_SIZES:
                await store.delete(avatar_key(user_id, old, size))
        except StoreUnavailableError as error:
            log.warning("old avatar not deleted: %s", error, extra={"user_id": user_id})
