"""The peer: what a Python developer would otherwise write for the same chat fan-out.

Starlette + sse-starlette + plain redis-py pub/sub, written the idiomatic way: POST publishes
to a Redis channel; each replica holds ONE subscription and copies every message into an
asyncio.Queue per open stream (as the ``broadcaster`` package does). Messages are rendered
with the same ``_message.html`` template as chat_svc, once per message per replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from redis.asyncio import Redis
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_svc.web.message_text import install_message_text

CHANNEL = "peer:messages"
TEMPLATES = Path(__file__).resolve().parent.parent / "chat_svc" / "templates"
environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
)
install_message_text(environment.globals, environment.filters)  # as chat's renderer does
template = environment.get_template("_message.html")


class Hub:
    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[ServerSentEvent]] = set()

    async def listen(self, redis: Redis) -> None:
        async with redis.pubsub() as pubsub:
            await pubsub.subscribe(CHANNEL)
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                payload = json.loads(message["data"])
                payload["posted_at"] = datetime.fromisoformat(payload["posted_at"])
                html = template.render(message=payload).strip()
                event = ServerSentEvent(data=html, event="message", id=str(payload["message_id"]))
                for queue in self.queues:
                    queue.put_nowait(event)


hub = Hub()
redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    listener = asyncio.create_task(hub.listen(redis))
    yield
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener
    await redis.aclose()


async def post_message(request: Request) -> Response:
    # urlencoded by hand: Starlette's form parser needs python-multipart, not installed here.
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    message: dict[str, Any] = {
        "message_id": int(await redis.incr("peer:message_id")),
        "author_id": "user-publisher",
        "author_name": "Bench publisher",
        "body": str(form.get("body", "")),
        "posted_at": datetime.now(UTC).isoformat(),
    }
    await redis.publish(CHANNEL, json.dumps(message))
    return Response(status_code=204)


async def events(request: Request) -> Response:
    queue: asyncio.Queue[ServerSentEvent] = asyncio.Queue()
    hub.queues.add(queue)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        try:
            while True:
                yield await queue.get()
        finally:
            hub.queues.discard(queue)

    return EventSourceResponse(stream(), ping=15)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/messages", post_message, methods=["POST"]),
        Route("/events", events),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
