"""A file's name as people see it: what the browser sent, made safe to show and to send back
in ``Content-Disposition`` (HTML escaping is Jinja's job; this removes what escaping cannot)."""

from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 120
FALLBACK_NAME = "file"


def _kept(character: str) -> bool:
    # Cc: control characters; Cf: format characters, among them the bidi overrides and
    # isolates (U+202A-202E, U+2066-2069) that make "exe.pdf" read as "fdp.exe"; Zl/Zp: breaks.
    return unicodedata.category(character) not in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def clean_file_name(sent: str | None) -> str:
    """The last path segment, without control, format or bidi characters, trimmed."""
    name = unicodedata.normalize("NFC", sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if _kept(character))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: MAX_NAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name or FALLBACK_NAME
