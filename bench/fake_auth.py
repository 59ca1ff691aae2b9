"""A stand-in for auth_svc's internal API so chat_svc can run alone: every ``bench-*`` token is
a valid session. chat_svc caches the answer, so this process sees one call per token.

Run as its own process: ``uvicorn bench.fake_auth:app``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

TOKEN_PREFIX = "bench-"  # noqa: S105 - a prefix, not a secret


def session_for(token: str) -> dict[str, str] | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    name = token.removeprefix(TOKEN_PREFIX)
    return {
        "session_id": f"session-{name}",
        "user_id": f"user-{name}",
        "email": f"{name}@example.com",
        "display_name": f"Bench {name}",
    }


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    secret = os.environ.get("SERVICE_SECRET", "")
    status = 404
    answer: dict[str, object] = {"error": "not_found"}
    if dict(scope["headers"]).get(b"authorization") != f"Bearer {secret}".encode():
        status, answer = 401, {"error": "unauthorized"}
    elif scope["path"] == "/internal/token-check":
        found = session_for(json.loads(body or b"{}").get("token", ""))
        status = 200
        answer = {"valid": False} if found is None else {"valid": True, **found}
        if found is not None:
            answer["expires_at"] = "2099-01-01T00:00:00Z"
    payload = json.dumps(answer).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
