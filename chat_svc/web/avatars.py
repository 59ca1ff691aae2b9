"""A person's avatar: their picture, or their initials on one of twelve colours.

The colour is chosen from the account's tag (a hash of the account id, never the e-mail),
so a person keeps one colour everywhere and two people of the same name usually differ.
Every colour in app.css's ``.avatar-N`` carries white initials at 4.5:1 or more.
"""

from __future__ import annotations

from markupsafe import Markup

from chat_svc.avatars.avatar_versions import picture_url
from chat_svc.models.messages import author_tag

AVATAR_COLOURS = 12
PICTURE_PIXELS = 64  # shown at 40 px or less: the small WebP is sharp on 1.5x screens


def initials(name: str) -> str:
    """Up to two letters: the first of the first and last words ("Ada Lovelace": "AL")."""
    words = [word for word in name.split() if word[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_colour(tag: str) -> int:
    """The palette index for an author tag (hex, as ``author_tag`` makes it)."""
    return int(tag, 16) % AVATAR_COLOURS


def avatar(name: str, tag: str, size: str = "", user_id: str = "") -> Markup:
    """The avatar beside a name: decorative (the name is always next to it). The person's
    uploaded picture when they have one (avatars/), else initials on their colour."""
    classes = f"avatar avatar-{avatar_colour(tag)}" + (f" avatar-{size}" if size else "")
    picture = picture_url(user_id, PICTURE_PIXELS) if user_id else ""
    if picture:
        return Markup('<img class="{} avatar-picture" src="{}" alt="" loading="lazy">').format(
            classes, picture
        )
    return Markup('<span class="{}" aria-hidden="true">{}</span>').format(classes, initials(name))


def viewer_avatar(name: str, user_id: str) -> Markup:
    return avatar(name, author_tag(user_id), "small", user_id)
