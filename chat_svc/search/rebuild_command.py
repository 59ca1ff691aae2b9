"""``just search-rebuild``: rebuild the search index from the database.

Asks the replica that writes the index (indexer.py answers ``chat-search.rebuild``) and
waits for its count. With no chat_svc running, it removes the index's completion mark, so
the first replica to start rebuilds it before it indexes anything new.
"""

from __future__ import annotations

import asyncio
import json
import sys

from nats.errors import NoRespondersError

from chat_svc.search.index_schema import COMPLETE_MARK
from chat_svc.search.indexer import REBUILD_SUBJECT
from chat_svc.search.search_runtime import index_dir
from chat_svc.settings import ChatSettings
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import client_options

REBUILD_PATIENCE_SECONDS = 3600.0


async def rebuild(settings: ChatSettings) -> str:
    nats = await connect_nats(
        settings.nats_url,
        "chat_svc search-rebuild",
        **client_options(settings.nats_user, settings.nats_password),
    )
    try:
        answer = await nats.request(REBUILD_SUBJECT, b"", timeout=REBUILD_PATIENCE_SECONDS)
    except NoRespondersError:
        (index_dir(settings) / COMPLETE_MARK).unlink(missing_ok=True)
        return "No chat_svc is running: the first one to start rebuilds the index."
    finally:
        await nats.close()
    result = json.loads(answer.data)
    if "error" in result:
        raise SystemExit(f"The rebuild failed: {result['error']}")
    return f"Rebuilt the search index from the database: {result['messages']} messages."


if __name__ == "__main__":
    print(asyncio.run(rebuild(ChatSettings())), file=sys.stdout)
