"""One aggregate call, typed: PyMongo's async ``aggregate`` is a coroutine returning a cursor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from beanie import Document


async def aggregate(
    model: type[Document], pipeline: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    cursor = await model.get_pymongo_collection().aggregate(list(pipeline))
    return [dict(row) async for row in cursor]
