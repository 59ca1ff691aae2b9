"""Where FerretDB 1.24 (dev, CI, tests) and MongoDB (production) differ, in one place.

The same code runs on both, so it keeps to what both do atomically. What FerretDB lacks,
and what the code does instead (docs/deploy.md lists what we rely on):

1. **Conditional updates are not atomic.** FerretDB's SQLite handler reads the matching
   document, applies the update in Go and writes the whole document back, outside one
   transaction (FerretDB/FerretDB#3040). Measured on 1.24.2 with 40 concurrent callers:
   ``update_one({"_id": x, "used_at": None}, {"$set": ...})`` reported up to 9 winners,
   ``find_one_and_update`` 19, and ``$inc`` lost 33 of 40 increments. Writers of different
   fields of one document can also undo each other (the last whole document wins).
   Instead: a decision that must happen once (a token spent, a hand-off code redeemed) is an
   insert into a unique index (``claim_once``), atomic on both; counters live in Redis
   (``INCR``); fields written often and concurrently (a session's last use) live in their
   own document, so they never overwrite a rarer, important write (a revocation).
2. **No multi-document transactions.** A flow that changes state and emits events writes
   one outbox document (auth_svc/models/outbox.py).
3. **Declaring existing indexes again**: after a FerretDB restart, one ``createIndexes``
   naming several indexes that already exist crashes the connection (``slice bounds out of
   range`` in 1.24.2), and beanie sends exactly that at every start-up. ``ensure_indexes``
   creates only the missing ones, one command each (beanie is told to skip indexes).
4. **Indexes are not used by queries**: the SQLite backend pushes down only equality on a
   string ``_id`` (as a WHERE clause that SQLite still answers by scanning the table: a
   look-up costs more the later its document was inserted) and never a sort, so
   ``find(...).sort(...).limit(n)`` reads the whole collection (measured: ~60 µs a
   document). Indexes still enforce uniqueness (inserts stay O(log n)), and on MongoDB they
   serve the queries. The hot reads avoid the database instead: the latest messages and
   resumes come from the Redis cache.
5. **Aggregation**: ``$group`` knows only ``$sum`` and ``$count`` (``$max``, ``$min``,
   ``$first``, ``$last``, ``$push``: "not implemented yet"). ``count_and_newest`` asks
   MongoDB for one ``$group`` and, on FerretDB, reads the matching ids and counts them here.
6. **Concurrent upserts of one new key** can fail with ``DuplicateKeyError`` (on MongoDB
   too, more rarely): ``upsert_retrying`` tries once more, when the document now exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from beanie import Document
from beanie.odm.utils.pydantic import get_model_fields
from beanie.odm.utils.typing import get_index_attributes
from pydantic import Field
from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class Claim(Document):
    """One document per decision taken once; its ``_id`` is the decision's key."""

    id: str  # type: ignore[assignment]
    claimed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    class Settings:
        name = "claims"


async def claim_once(key: str) -> bool:
    """True for exactly one caller per ``key``, on MongoDB and FerretDB alike."""
    try:
        await Claim.get_pymongo_collection().insert_one(
            {"_id": key, "claimed_at": datetime.now(UTC)}
        )
    except DuplicateKeyError:
        return False
    return True


async def upsert_retrying(
    collection: AsyncCollection[Mapping[str, Any]],
    query: Mapping[str, Any],
    update: Mapping[str, Any],
) -> None:
    """``update_one(..., upsert=True)`` that survives a concurrent insert of the same key."""
    try:
        await collection.update_one(query, update, upsert=True)
    except DuplicateKeyError:
        await collection.update_one(query, update, upsert=True)


_ON_FERRETDB: dict[int, bool] = {}  # by id(client): asked once per client


async def is_ferretdb(database: AsyncDatabase[Any]) -> bool:
    key = id(database.client)
    if key not in _ON_FERRETDB:
        info = await database.command("buildInfo")
        _ON_FERRETDB[key] = "ferretdbVersion" in info
    return _ON_FERRETDB[key]


async def count_and_newest(
    model: type[Document], match: Mapping[str, Any], group: str, value: str
) -> dict[str, tuple[int, int]]:
    """Per ``group`` value: how many documents match, and the highest ``value`` among them."""
    collection = model.get_pymongo_collection()
    if await is_ferretdb(collection.database):
        found: dict[str, tuple[int, int]] = {}
        async for row in collection.find(match, {group: 1, value: 1, "_id": 0}):
            count, newest = found.get(str(row[group]), (0, 0))
            found[str(row[group])] = (count + 1, max(newest, int(row[value])))
        return found
    pipeline = [
        {"$match": dict(match)},
        {"$group": {"_id": f"${group}", "count": {"$sum": 1}, "newest": {"$max": f"${value}"}}},
    ]
    cursor = await collection.aggregate(pipeline)
    return {str(row["_id"]): (int(row["count"]), int(row["newest"])) async for row in cursor}


def declared_indexes(model: type[Document]) -> list[IndexModel]:
    """What beanie would create: ``Indexed(...)`` fields, then ``Settings.indexes``."""
    indexes = []
    fields: dict[str, Any] = get_model_fields(model)  # type: ignore[no-untyped-call]
    for name, field in fields.items():
        attributes = get_index_attributes(field)
        if attributes is not None:
            direction, options = attributes
            indexes.append(IndexModel([(field.alias or name, direction)], **options))
    # beanie keeps Settings.indexes wrapped (IndexModelField), each holding its IndexModel.
    indexes.extend(declared.index for declared in model.get_settings().indexes or [])
    return indexes


async def ensure_indexes(models: Sequence[type[Document]]) -> None:
    """Create each declared index that is missing, one command per index (see 3. above)."""
    for model in models:
        collection = model.get_pymongo_collection()
        existing = set(await collection.index_information())
        for index in declared_indexes(model):
            if index.document["name"] not in existing:
                await collection.create_indexes([index])
