"""Message ids (and any other numeric id) read from URLs and headers: one strict parser.

``str.isdigit`` accepts ``²`` and ``٣`` (``int`` refuses the first, reads the second as 3),
and ``int`` refuses 5,000 digits (CPython's limit is 4,300) or gives numbers MongoDB cannot
store (more than 8 bytes). Every id from outside goes through ``parse_id``; every id in a
route path through ``IdConverter`` (``<id:name>``, registered by ``create_base_app``).
"""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, ValidationError

ID_PATTERN = re.compile(r"[0-9]{1,18}")  # ASCII digits only; below 2**63


def parse_id(value: str | None) -> int | None:
    """The id, or None for anything but 1 to 18 ASCII digits (no sign, no spaces)."""
    if value is None or not ID_PATTERN.fullmatch(value):
        return None
    return int(value)


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: 1 to 18 ASCII digits, anything else is no match (404).

    Werkzeug's ``<int:...>`` takes any run of digits and hands 2**63 to MongoDB (an
    ``OverflowError``, a 500); every id in a path goes through ``parse_id`` instead.
    """

    regex = ID_PATTERN.pattern
    part_isolating = True

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: object) -> str:
        return str(value)
