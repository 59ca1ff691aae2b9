"""The account index rebuilt from the database (the record), in one pass per collection.

Each document is filled, never overwritten (write_through.FILL_DOCUMENT): write-throughs
that land while the pass reads the store are newer and stay. Sessions already expired are
left out; a session's last use is the later of its own and its activity document's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pymongo
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript

from auth_svc.lookups.revocations import RAISE_MARK, all_revocations_in_store, revoked_before_key
from auth_svc.lookups.use_batches import last_uses_in_store
from auth_svc.lookups.write_through import (
    Fields,
    document_key,
    encode_fields,
    encode_value,
    expiry_ms,
    secondary_keys,
    sessions_of_key,
)
from auth_svc.models.documents import (
    HandoffCode,
    PasswordResetDocument,
    SessionActivity,
    SessionDocument,
    SessionToken,
    SignUpDocument,
    UserDocument,
    as_utc,
)
from service_kit.events import utc_now

BATCH = 1000
ONE_PASS_SECONDS = 600.0

Fill = Callable[[Pipeline, str, dict[str, Any]], Awaitable[None]]


async def rebuild_index(redis: Redis, fill: Fill) -> dict[str, int]:
    """Fill every stored account document into the index; the count per collection. Its
    own deadline, as chat's history rebuild: on FerretDB a batch may wait on a long scan,
    past the client's 5 s socket timeout (seen at 100,000 sessions under load)."""
    with pymongo.timeout(ONE_PASS_SECONDS):
        return await _rebuild_index(redis, fill)


async def _rebuild_index(redis: Redis, fill: Fill) -> dict[str, int]:
    counts: dict[str, int] = {}
    models = {"users": UserDocument, "sign_ups": SignUpDocument}
    for name, model in (models | {"password_resets": PasswordResetDocument}).items():
        documents = model.get_pymongo_collection().find(batch_size=BATCH)
        counts[name] = await _fill_all(redis, fill, name, documents)
    activity = {
        raw["_id"]: as_utc(raw["last_seen_at"])
        async for raw in SessionActivity.get_pymongo_collection().find(batch_size=BATCH)
    }
    for session_id, used in (await last_uses_in_store()).items():  # use_batches.py
        activity[session_id] = max(used, activity.get(session_id, used))
    chat_tokens: dict[str, list[str]] = {}
    async for raw in SessionToken.get_pymongo_collection().find(batch_size=BATCH):
        chat_tokens.setdefault(raw["session_id"], []).append(raw["_id"])
    now = utc_now()
    later_codes: dict[str, dict[str, Any]] = {}  # the latest unexpired code per session
    async for raw in HandoffCode.get_pymongo_collection().find(batch_size=BATCH):
        latest = later_codes.get(raw["session_id"])
        if as_utc(raw["expires_at"]) > now and (
            latest is None or as_utc(latest["expires_at"]) < as_utc(raw["expires_at"])
        ):
            later_codes[raw["session_id"]] = raw
    revoked, marks = await all_revocations_in_store()
    counts["revocation_marks"] = await _raise_marks(redis, marks)

    async def live_sessions() -> Any:
        async for raw in SessionDocument.get_pymongo_collection().find(batch_size=BATCH):
            if as_utc(raw["expires_at"]) <= now:
                continue
            raw["token_hashes"] = raw["token_hashes"] + chat_tokens.get(raw["_id"], [])
            if raw.get("revoked_at") is None and raw["_id"] in revoked:
                raw["revoked_at"] = revoked[raw["_id"]]
            if raw["_id"] in later_codes:
                code = later_codes[raw["_id"]]
                raw["handoff_code_hash"] = code["_id"]
                raw["handoff_expires_at"] = code["expires_at"]
            if raw["_id"] in activity:
                seen = as_utc(activity[raw["_id"]])
                raw["last_seen_at"] = max(seen, as_utc(raw["last_seen_at"]))
            yield raw

    counts["sessions"] = await _fill_all(redis, fill, "sessions", live_sessions())
    return counts


async def _fill_all(redis: Redis, fill: Fill, collection: str, documents: Any) -> int:
    count = 0
    pipe = redis.pipeline(transaction=False)
    async for raw in documents:
        await fill(pipe, collection, raw)
        count += 1
        if count % BATCH == 0:
            await pipe.execute()
    await pipe.execute()
    return count


async def _raise_marks(redis: Redis, marks: dict[str, Any]) -> int:
    raise_mark = redis.register_script(RAISE_MARK)
    pipe = redis.pipeline(transaction=False)
    for user_id, revoked_before in marks.items():
        await raise_mark([revoked_before_key(user_id)], [encode_value(revoked_before)], pipe)
    await pipe.execute()
    return len(marks)


async def queue_fill(fill: AsyncScript, pipe: Pipeline, collection: str, document: Fields) -> None:
    """Queue one document's fill (write_through.FILL_DOCUMENT) and its user's set."""
    key = str(document["_id"])
    keys = [document_key(collection, key), *secondary_keys(collection, document)]
    if collection == "sessions":  # its last use is in the store as of now (RECORD_USE)
        document = {**document, "~persisted_at": int(document["last_seen_at"].timestamp())}
    await fill(keys, [key, expiry_ms(collection, document), *encode_fields(document)], pipe)
    if collection == "sessions":
        pipe.sadd(sessions_of_key(str(document["user_id"])), key)
