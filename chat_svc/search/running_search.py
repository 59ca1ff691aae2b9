"""Where the open search parts are kept on the app while it serves (search_runtime.py opens
them; the page reads them)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from quart import Quart, current_app

from chat_svc.search.indexer import SearchIndexer
from chat_svc.search.search_index import SearchIndex

KEY = "chat_search"


@dataclass(frozen=True)
class ChatSearch:
    index: SearchIndex
    indexer: SearchIndexer
    task: asyncio.Task[None]


def search_of(app: Quart | None = None) -> ChatSearch:
    running: ChatSearch = (app or current_app).extensions[KEY]
    return running
