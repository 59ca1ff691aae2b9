"""SSE framing, resume points and safe return paths."""

from __future__ import annotations

import pytest

from chat_svc.live.event_stream import resume_point
from chat_svc.live.sse_frames import frame
from chat_svc.web.cookies import cookie_header_of, cookie_value


def test_a_frame_has_an_id_and_one_data_line_per_line() -> None:
    assert frame("message", "<li>a\r\nb\rc</li>", event_id=7) == (
        b"id: 7\nevent: message\ndata: <li>a\ndata: b\ndata: c</li>\n\n"
    )


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ([], b"", None),
        ([], b"after=12", 12),
        ([(b"last-event-id", b"15")], b"after=12", 15),
        ([(b"last-event-id", b"junk")], b"after=12", 12),
        ([], b"after=-3", None),
    ],
)
def test_the_resume_point_prefers_last_event_id(
    headers: list[tuple[bytes, bytes]], query: bytes, expected: int | None
) -> None:
    assert resume_point({"headers": headers, "query_string": query}) == expected


def test_cookies_sent_in_headers_of_their_own_all_count() -> None:
    headers = [
        (b"cookie", b"other=1"),
        (b"user-agent", b"h2 client"),
        (b"cookie", b"chat_session=token-7"),
    ]
    assert cookie_value(cookie_header_of(headers), "chat_session") == "token-7"
    assert cookie_header_of([(b"accept", b"*/*")]) is None
