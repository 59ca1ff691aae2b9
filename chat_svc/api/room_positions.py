"""The resume point of ``GET /api/v1/events`` (every room): one SSE id that is a compact map
of per-room positions, ``general:105,ops:88``, so the single ``Last-Event-ID`` a client
sends back (EventSource, or anything that keeps the last id) resumes every room exactly.

Ids are numbered per room, so no single number orders two rooms; an id of ``<room>:<id>``
would resume only the room of the last event. Every event of the stream carries the whole
map (a few bytes a room), written per connection since each connection's map is its own.
"""

from __future__ import annotations

import re

POSITION = re.compile(r"^([a-z0-9][a-z0-9-]{0,63}):([0-9]{1,18})$")
# A header past this holds more rooms than anyone belongs to: refused, the stream starts live.
MAX_POSITIONS_CHARS = 64_000


def format_positions(positions: dict[str, int]) -> str:
    return ",".join(f"{room}:{position}" for room, position in sorted(positions.items()))


def parse_positions(text: str | None) -> dict[str, int] | None:
    """The map an id spells, or None when it is missing or malformed (a stream without a
    valid resume point starts from the latest, as the page's does)."""
    if not text or len(text) > MAX_POSITIONS_CHARS:
        return None
    positions: dict[str, int] = {}
    for part in text.split(","):
        match = POSITION.match(part.strip())
        if match is None:
            return None
        positions[match.group(1)] = int(match.group(2))
    return positions
