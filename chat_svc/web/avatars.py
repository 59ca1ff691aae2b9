"""A person's avatar until pictures exist: their initials on one of twelve colours.

The colour is chosen from the account's tag (a hash of the account id, never the e-mail),
so a person keeps one colour everywhere and two people of the same name usually differ.
Every colour in app.css's ``.avatar-N`` carries white initials at 4.5:1 or more.
"""

from __future__ import annotations

from markupsafe import Markup

from chat_svc.models.messages import author_tag

AVATAR_COLOURS = 12


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


def avatar(name: str, tag: str, size: str = "") -> Markup:
    """The avatar beside a name: decorative (the name is always next to it)."""
    classes = f"avatar avatar-{avatar_colour(tag)}" + (f" avatar-{size}" if size else "")
    return Markup('<span class="{}" aria-hidden="true">{}</span>').format(classes, initials(name))


def viewer_avatar(name: str, user_id: str) -> Markup:
    return avatar(name, author_tag(user_id), "small")
