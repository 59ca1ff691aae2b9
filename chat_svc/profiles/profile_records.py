"""What a profile adds to chat's copy of a person: a status line, a time zone and an avatar."""

from __future__ import annotations

from beanie import Document, Indexed

from service_kit.storage.store_compat import upsert_retrying


class Profile(Document):
    user_id: Indexed(str, unique=True)  # type: ignore[valid-type]
    status: str = ""  # "on leave until Monday"
    time_zone: str = ""  # an IANA name ("Europe/Paris"); empty: not said
    avatar: str = ""  # the picture's version (avatars/); empty: initials

    class Settings:
        name = "profiles"


async def select_profile(user_id: str) -> Profile:
    found = await Profile.find_one(Profile.user_id == user_id)
    return found if found is not None else Profile(user_id=user_id)


async def save_profile(user_id: str, status: str, time_zone: str) -> None:
    await upsert_retrying(
        Profile.get_pymongo_collection(),
        {"user_id": user_id},
        {"$set": {"status": status, "time_zone": time_zone}},
    )
