"""Opens the search index when chat_svc starts serving and closes it after: one call in the
app factory (``install_search``) registers the page and these hooks."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from quart import Quart

from chat_svc.search.index_schema import open_index
from chat_svc.search.indexer import SearchIndexer
from chat_svc.search.running_search import KEY, ChatSearch
from chat_svc.search.search_index import SearchIndex
from chat_svc.search.search_page import search_blueprint
from chat_svc.settings import ChatSettings
from service_kit.lifecycle import infrastructure_of
from service_kit.stopping import stop_with_the_app


def index_dir(settings: ChatSettings) -> Path:
    """``CHAT_SEARCH_INDEX_DIR``, or one directory per database under the temp directory
    (so the replicas of one stack share it and two test stacks never do)."""
    if settings.search_index_dir:
        return Path(settings.search_index_dir)
    return Path(tempfile.gettempdir()) / "chat-search" / settings.mongodb_database


def install_search(app: Quart, settings: ChatSettings) -> None:
    """Call after ``manage_chat_runtime`` (hooks run in registration order)."""
    app.register_blueprint(search_blueprint(settings))

    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        path = index_dir(settings)
        index, created = open_index(path)
        search = SearchIndex(index, path)
        indexer = SearchIndexer(
            infrastructure.nats, infrastructure.js, infrastructure.topology, search, created
        )
        task = asyncio.create_task(indexer.run(), name="search indexer")
        stop_with_the_app(app, indexer.stop)
        app.extensions[KEY] = ChatSearch(search, indexer, task)

    @app.after_serving
    async def _close() -> None:
        running: ChatSearch | None = app.extensions.pop(KEY, None)
        if running is None:
            return
        running.indexer.stop()
        with contextlib.suppress(Exception):
            await running.task
