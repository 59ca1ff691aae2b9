"""One aggregate call for MongoDB (PyMongo's async driver) and the in-memory store alike.

PyMongo's ``aggregate`` is a coroutine returning a cursor; mongomock-motor's returns the
cursor directly, which beanie's own ``aggregate`` cannot await.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from beanie import Document


async def aggregate(
    model: type[Document], pipeline: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    cursor: Any = model.get_pymongo_collection().aggregate(list(pipeline))
    if inspect.isawaitable(cursor):
        cursor = await cursor
    return [dict(row) async for row in cursor]
