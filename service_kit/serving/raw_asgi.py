"""Plain ASGI for the few requests answered before Quart (chat's event stream, its page and
post fast paths, the admission limit): the callables' types, a request header, the headers
Quart's hooks give a response, and a whole answer in two sends."""

from __future__ import annotations

from collections.abc import Iterable

# The ASGI callables' types as Starlette names them, for every raw-ASGI layer (imported from
# here, so a layer written in Starlette's middleware shape needs nothing else).
from starlette.types import ASGIApp as ASGIApp
from starlette.types import Message as Message
from starlette.types import Receive as Receive
from starlette.types import Scope as Scope
from starlette.types import Send as Send
from werkzeug.datastructures import Headers

# Set per answer, never copied from a response made at start-up.
PER_ANSWER = ("content-length", "set-cookie")


def first_header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case, as ASGI gives names), or None."""
    for key, value in headers:
        if key == name:
            return bytes(value)
    return None


def is_htmx_request(scope: Scope) -> bool:
    """``service_kit.serving.web.is_htmx`` for a raw request."""
    return first_header(scope["headers"], b"hx-request") == b"true"


def raw_headers(headers: Headers, also_dropped: Iterable[str] = ()) -> list[tuple[bytes, bytes]]:
    """A response's headers (made once, through the app's after-request hooks) as ASGI
    headers for answers sent later, without those set per answer and ``also_dropped``."""
    dropped = {*PER_ANSWER, *also_dropped}
    return [
        (name.lower().encode(), value.encode())
        for name, value in headers.items()
        if name.lower() not in dropped
    ]


async def send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """The answer: ``headers`` and its length, then the body."""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
