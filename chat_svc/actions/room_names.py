"""Room names as people type them, and the slugs their URLs use.

An open room's slug comes from its name. A closed or direct room's slug is random: a slug
made from its name (or from the pair's ids) would let anyone who guesses it learn that the
room exists. Those random slugs carry prefixes no open room's slug can take.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from service_kit.people.display_names import clean_display_name

MAX_NAME_CHARS = 80
MAX_SLUG_CHARS = 40
# Direct and closed rooms own these prefixes: an open room never takes (or numbers itself
# around) one of their slugs.
DIRECT_PREFIX = "dm-"
CLOSED_PREFIX = "c-"
RESERVED_PREFIXES = (DIRECT_PREFIX, CLOSED_PREFIX)
HIDDEN_SLUG_BYTES = 12


def is_direct(slug: str) -> bool:
    """A direct room's slug (the prefix is reserved for them)."""
    return slug.startswith(DIRECT_PREFIX)


def clean_name(value: str | None) -> str:
    """As display names are cleaned (NFC, trimmed), runs of spaces as one; the form then
    refuses what they refuse (service_kit/people/display_names.py: control, bidi and invisible
    characters, line breaks and tabs)."""
    return re.sub(" {2,}", " ", clean_display_name(value or ""))


def name_key(name: str) -> str:
    """What two names must not share: rooms differing only in case are one name."""
    return name.lower()


def slug_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_SLUG_CHARS]
    slug = slug.strip("-") or "room"
    if slug.startswith(RESERVED_PREFIXES):
        slug = f"room-{slug}"
    return slug


def hidden_slug(prefix: str) -> str:
    """A closed or direct room's slug: random, so it says nothing about the room."""
    return prefix + secrets.token_hex(HIDDEN_SLUG_BYTES)


def closed_name_key(slug: str) -> str:
    """A closed room's unique name key: its own slug, so its name blocks no other room's
    (the newline keeps it out of reach of any typed name)."""
    return f"closed\n{slug}"


def numbered_slug(slug: str, attempt: int) -> str:
    """``slug``, then ``slug-2``, ``slug-3``… when another room has it already."""
    return slug if attempt == 1 else f"{slug}-{attempt}"


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def is_slug(value: str) -> bool:
    """Only these reach the store, Redis keys and NATS subjects."""
    return bool(SLUG_PATTERN.match(value))
