"""Which NATS passwords the server can be given through accounts.conf."""

from __future__ import annotations

import re

# nats-server puts $NATS_*_PASSWORD into accounts.conf and parses the value again as
# configuration: "-x1" or "a;b" stop the server, "123" or "true" become a number or a
# boolean, "a#b" becomes "a" (the rest is a comment). A letter, then letters, digits, "-"
# and "_" always read back as given.
_READS_BACK_AS_GIVEN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_CONFIG_WORDS = frozenset({"true", "false", "yes", "no", "on", "off"})
SERVER_READABLE_RULE = (
    "must start with a letter and hold only letters, digits, '-' and '_' "
    "(nats-server reads it back as configuration; e.g. 'n' + `openssl rand -hex 32`)"
)


def nats_password_problem(password: str) -> str | None:
    """Why nats-server would not read ``password`` back as given, or None."""
    if _READS_BACK_AS_GIVEN.fullmatch(password) and password.lower() not in _CONFIG_WORDS:
        return None
    return SERVER_READABLE_RULE
