"""A video's Range request: the browser's player asks for the bytes it needs (an MP4's index
is often at its end), so a page of videos does not download each one whole to show its first
frame. One range per request, as players send; anything else gets the whole file. Objects
never change under their key (a new upload is a new key), so ``If-Range`` always holds."""

from __future__ import annotations

from werkzeug.datastructures import Range


class UnsatisfiableRangeError(Exception):
    """The range starts past the end (the answer is 416 with the size)."""


def wanted_span(requested: Range | None, size: int) -> tuple[int, int] | None:
    """Start and end (exclusive) of the bytes asked for; None: the whole object."""
    if requested is None or requested.units != "bytes" or len(requested.ranges) != 1:
        return None
    span = requested.range_for_length(size)
    if span is None:
        raise UnsatisfiableRangeError(f"{requested} of {size} bytes")
    return span
