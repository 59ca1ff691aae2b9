"""The in-memory document store used when MONGODB_URL is unset (dev and CI only).

MongoDB cannot be installed on the team's machines, so local runs fall back to
mongomock-motor behind beanie. Data lives in this one process and vanishes on exit: two
chat replicas do not share it. Everything version-specific about that fallback lives here.
"""

from __future__ import annotations

import logging
from typing import Any

from mongomock_motor import AsyncMongoMockClient, AsyncMongoMockDatabase

log = logging.getLogger(__name__)

_original_list_collection_names = AsyncMongoMockDatabase.list_collection_names


async def _list_collection_names(self: Any, *_args: Any, **_kwargs: Any) -> list[str]:
    # beanie 2 passes authorizedCollections=True, which mongomock does not know.
    names: list[str] = await _original_list_collection_names(self)
    return names


AsyncMongoMockDatabase.list_collection_names = _list_collection_names  # type: ignore[method-assign]


def open_in_memory_database(name: str, service: str) -> tuple[Any, Any]:
    """Return (client, database). Logs loudly: nothing written here survives a restart."""
    log.warning(
        "MONGODB_URL is not set: %s uses an IN-MEMORY document store. Data is NOT persisted "
        "and is NOT shared between processes. Set MONGODB_URL for anything but dev and tests.",
        service,
    )
    client: Any = AsyncMongoMockClient()
    return client, client[name]
