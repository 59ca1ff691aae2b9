"""Registers the history writer with the app (``CHAT_POSTS_ACKNOWLEDGED_BY=log``): its
worker on every replica, stopped with the app, its lag and how full CHAT_EVENTS is in
``/readyz``, and the 503 a post answers when JetStream did not take it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from quart import Quart
from quart.typing import ResponseReturnValue

from chat_svc.actions.message_publisher import NotLoggedError
from chat_svc.history_writer.events_store import EventsStore
from chat_svc.history_writer.history_consumer import DURABLE, HistoryWriter
from chat_svc.history_writer.writer_lag import WriterLag
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from service_kit.lifecycle import infrastructure_of
from service_kit.serving.error_pages import unavailable_response
from service_kit.stopping import stop_with_the_app

KEY = "chat_history_writer"
NOT_LOGGED_MESSAGE = (
    "Our message log is not answering right now, so nothing you just sent was saved. "
    "Your text is still in the box: please retry in a few seconds."
)
RETRY_AFTER_SECONDS = 2


@dataclass(frozen=True)
class RunningWriter:
    writer: HistoryWriter
    task: asyncio.Task[None]
    store_watch: asyncio.Task[None]


def history_writer_of(app: Quart) -> HistoryWriter | None:
    running: RunningWriter | None = app.extensions.get(KEY)
    return running.writer if running is not None else None


def install_history_writer(app: Quart, settings: ChatSettings) -> None:
    """Call after ``manage_chat_runtime`` (hooks run in registration order)."""
    app.register_error_handler(NotLoggedError, _not_logged)
    if settings.posts_acknowledged_by != "log":
        return

    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        stream = infrastructure.topology.consumers[DURABLE][0]
        lag = WriterLag(infrastructure.js, stream, DURABLE, settings.history_lag_alert_seconds)
        in_valkey = settings.history_index == "valkey"
        index = services_of(app).actions.messages.cache if in_valkey else None
        writer = HistoryWriter(
            infrastructure.js,
            infrastructure.topology,
            lag,
            index,
            linger_seconds=settings.history_writer_linger_seconds,
        )
        store = EventsStore(infrastructure.js, stream)
        task = asyncio.create_task(writer.run(), name="history writer")
        store_watch = asyncio.create_task(store.watch(), name="events store watch")
        stop_with_the_app(app, writer.stop)
        stop_with_the_app(app, store.stop)

        async def report() -> dict[str, object]:
            return await lag.report() | await store.report()

        app.blueprints["health"].reports["history_writer"] = report  # type: ignore[attr-defined]
        app.extensions[KEY] = RunningWriter(writer, task, store_watch)

    @app.after_serving
    async def _close() -> None:
        running: RunningWriter | None = app.extensions.pop(KEY, None)
        if running is None:
            return
        running.writer.stop()
        for task in (running.task, running.store_watch):
            with contextlib.suppress(Exception):
                await task


async def _not_logged(error: NotLoggedError) -> ResponseReturnValue:
    return await unavailable_response(NOT_LOGGED_MESSAGE, RETRY_AFTER_SECONDS)
