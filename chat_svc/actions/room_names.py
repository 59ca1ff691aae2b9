"""Room names as people type them, and the slugs their URLs use."""

from __future__ import annotations

import re
import unicodedata

from service_kit.display_names import clean_display_name

MAX_NAME_CHARS = 80
MAX_SLUG_CHARS = 40
# Direct rooms own this prefix: a named room can never take a direct room's slug.
DIRECT_PREFIX = "dm-"


def clean_name(value: str | None) -> str:
    """As display names are cleaned (NFC, trimmed), runs of spaces as one; the form then
    refuses what they refuse (service_kit/display_names.py: control, bidi and invisible
    characters, line breaks and tabs)."""
    return re.sub(" {2,}", " ", clean_display_name(value or ""))


def name_key(name: str) -> str:
    """What two names must not share: rooms differing only in case are one name."""
    return name.lower()


def slug_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_SLUG_CHARS]
    slug = slug.strip("-") or "room"
    if slug.startswith(DIRECT_PREFIX):
        slug = f"room-{slug}"
    return slug


def numbered_slug(slug: str, attempt: int) -> str:
    """``slug``, then ``slug-2``, ``slug-3``… when another room has it already."""
    return slug if attempt == 1 else f"{slug}-{attempt}"


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def is_slug(value: str) -> bool:
    """Only these reach the store, Redis keys and NATS subjects."""
    return bool(SLUG_PATTERN.match(value))
