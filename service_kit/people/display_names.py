"""Names people choose for others to read: display names (auth_svc: beside every message,
in e-mail greetings) and room names (chat_svc: sidebars, lists, mention e-mails). One rule
for both.

Refused anywhere in a name: control characters (CR/LF, NUL, TAB: header and log
injection), format characters (bidi overrides and isolates such as U+202E, which reverses
the timestamp beside the name, and zero-width characters that make two names look equal),
line and paragraph separators, and unassigned, private-use or surrogate code points.
Letters, marks, digits, punctuation, symbols (emoji) and plain spaces from every script
remain welcome.
"""

from __future__ import annotations

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
VISIBLE_CHARACTERS_ONLY = (
    "Use letters, digits, spaces and punctuation only: no line breaks, tabs "
    "or invisible characters."
)


def refused_characters(name: str) -> list[str]:
    """The code points of ``name`` a display name may not contain (``U+XXXX``)."""
    return [f"U+{ord(ch):04X}" for ch in name if unicodedata.category(ch) in REFUSED_CATEGORIES]


def clean_display_name(value: str) -> str:
    """NFC and trimmed; validation then refuses what ``refused_characters`` finds."""
    return unicodedata.normalize("NFC", value).strip()


def name_problem(name: str) -> str | None:
    """What to tell the person when ``name`` (cleaned) has a refused character, else None."""
    return VISIBLE_CHARACTERS_ONLY if refused_characters(name) else None
