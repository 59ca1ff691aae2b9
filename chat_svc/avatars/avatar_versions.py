"""Which avatar each person has now, by account id: an opaque version that is part of the
picture's URL (a new picture, a new URL, so browsers may keep each one forever).

Kept in process like the names (profiles/people_names.py loads it and applies every
``PersonChanged``), so rendering a message, the header or the account menu is a dictionary
look-up; one process is one replica, and every replica hears the same changes."""

from __future__ import annotations

_versions: dict[str, str] = {}


def replace_versions(versions: dict[str, str]) -> None:
    _versions.clear()
    _versions.update(versions)


def set_version(user_id: str, version: str) -> None:
    if version:
        _versions[user_id] = version
    else:
        _versions.pop(user_id, None)


def version_of(user_id: str) -> str:
    return _versions.get(user_id, "")


def avatar_url(user_id: str, version: str, size: int) -> str:
    return f"/avatars/{user_id}/{version}/{size}.webp"


def picture_url(user_id: str, size: int) -> str:
    """The person's current picture at ``size``, or "" for the initials."""
    version = _versions.get(user_id, "")
    return avatar_url(user_id, version, size) if version else ""
