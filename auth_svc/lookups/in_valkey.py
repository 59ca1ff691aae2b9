"""Account look-ups held in Valkey, for a database whose indexes serve no query (FerretDB).

Valkey holds the documents themselves (write_through.py says how), so a sign-in, a token
check or a reset link costs a few Valkey round trips and no database read, however many
accounts and sessions are stored. ``READY_KEY`` says the index holds every document; when
it is missing (Valkey flushed, or restarted without its AOF) a rebuild from the database
starts in the background, and reads go to the database meanwhile, one at a time per
replica (each is a scan on FerretDB), as chat_svc's history does (reads/history/).
Valkey must not evict keys (``maxmemory-policy noeviction``, its default): a lost key
would read as "no such account".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import RedisError

from auth_svc.lookups.in_database import DatabaseLookups
from auth_svc.lookups.rebuild import queue_fill, rebuild_index
from auth_svc.lookups.revocations import (
    RAISE_MARK,
    apply_mark,
    decode_mark,
    revoked_before_key,
    split_mark,
)
from auth_svc.lookups.use_batches import UseBatches, with_batched_use
from auth_svc.lookups.write_through import (
    FILL_DOCUMENT,
    LOOKUP,
    READY_KEY,
    REBUILD_LOCK,
    RECORD_USE,
    SET_FIELDS,
    Condition,
    Fields,
    decode_fields,
    document_key,
    encode_fields,
    encode_value,
    secondary_key,
    secondary_keys,
    sessions_of_key,
)
from auth_svc.models.documents import (
    PasswordResetDocument,
    SessionDocument,
    SignUpDocument,
    UserDocument,
)
from service_kit.storage.document_store import DatabaseNotReadyError
from service_kit.storage.store_turns import StoreTurns

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

REBUILD_LOCK_SECONDS = 600
# A pass that fails is tried again at once (fills are idempotent); after these, the next
# read that finds the index incomplete starts again.
REBUILD_ATTEMPTS = 3
REBUILD_RETRY_SECONDS = 2.0
# A session's last use reaches the store at most this often (Valkey has it at once), in
# the replica's next batch (use_batches.py).
USE_PERSIST_SECONDS = 60


class LookupsRebuildingError(DatabaseNotReadyError):
    """The account index is being rebuilt and the store is busy with another read."""


def _of(model: type[M], raw: Any) -> M | None:
    fields = decode_fields(raw) if raw else None
    return None if fields is None else model.model_validate(fields)


@dataclass
class ValkeyLookups:
    store_decides_conditions: ClassVar[bool] = False  # FerretDB: models/users.py update_user
    redis: Redis
    store: DatabaseLookups = field(default_factory=DatabaseLookups)
    _rebuild: asyncio.Task[None] | None = None
    _turns: StoreTurns = field(
        default_factory=lambda: StoreTurns(
            lambda: LookupsRebuildingError("the account index is being rebuilt")
        )
    )
    _uses: UseBatches = field(default_factory=UseBatches)

    def __post_init__(self) -> None:
        self._lookup = self.redis.register_script(LOOKUP)
        self._set_fields = self.redis.register_script(SET_FIELDS)
        self._fill = self.redis.register_script(FILL_DOCUMENT)
        self._record_use = self.redis.register_script(RECORD_USE)
        self._raise_mark = self.redis.register_script(RAISE_MARK)

    async def _find(
        self,
        model: type[M],
        collection: str,
        *,
        by: tuple[str, str] | None = None,
        key: str = "",
    ) -> tuple[bool, M | None]:
        """(answered, document): answered is False when the index cannot say (incomplete,
        unreachable); the caller then reads the store."""
        answered, raw = await self._find_raw(collection, by, key)
        return answered, _of(model, raw) if answered else None

    async def _find_raw(
        self, collection: str, by: tuple[str, str] | None, key: str = "", mark: str = ""
    ) -> tuple[bool, Any]:
        secondary = secondary_key(collection, *by) if by else ""
        args = [secondary, document_key(collection, ""), key, mark]
        try:
            raw = await self._lookup([READY_KEY], args)
        except (RedisError, OSError) as error:
            log.warning("account index unavailable, reading the store: %s", error)
            return False, None
        if raw is None:
            self._rebuild_soon()
            return False, None
        return True, raw

    async def _find_session(self, by: tuple[str, str]) -> tuple[bool, SessionDocument | None]:
        """A session with the person's revocation mark applied (lookups/revocations.py)."""
        answered, raw = await self._find_raw("sessions", by, mark=revoked_before_key(""))
        if not answered:
            return False, None
        fields, revoked_before = split_mark(raw)
        session = _of(SessionDocument, fields)
        return True, None if session is None else apply_mark(session, revoked_before)

    async def _from_store(self, read: Callable[[], Awaitable[T]]) -> T:
        """A read the index cannot answer, from the store: service_kit/storage/store_turns.py."""
        rebuilding = self._rebuild is not None and not self._rebuild.done()
        return await self._turns.read(read, rebuilding=rebuilding)

    async def user_by_email(self, email: str) -> UserDocument | None:
        answered, user = await self._find(UserDocument, "users", by=("email", email))
        if not answered:
            return await self._from_store(lambda: self.store.user_by_email(email))
        return user if user is not None and user.email == email else None

    async def user_by_id(self, user_id: str) -> UserDocument | None:
        answered, user = await self._find(UserDocument, "users", key=user_id)
        if not answered:
            return await self._from_store(lambda: self.store.user_by_id(user_id))
        return user

    async def session_by_token(self, token_hash: str) -> SessionDocument | None:
        answered, session = await self._find_session(("token_hashes", token_hash))
        if not answered:
            read = self.store.session_by_token
            return await self._from_store(lambda: with_batched_use(read(token_hash)))
        return session  # a token key is never stale: a session's tokens never change

    async def session_by_handoff_code(self, code_hash: str) -> SessionDocument | None:
        answered, session = await self._find_session(("handoff_code_hash", code_hash))
        if not answered:
            read = self.store.session_by_handoff_code
            return await self._from_store(lambda: with_batched_use(read(code_hash)))
        if session is None or session.handoff_code_hash != code_hash:
            return None
        return session

    async def session_ids_of_user(self, user_id: str) -> list[tuple[str, bool]]:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.exists(READY_KEY)
                pipe.smembers(sessions_of_key(user_id))
                pipe.get(revoked_before_key(user_id))
                ready, members, mark = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("account index unavailable, reading the store: %s", error)
            ready = False
        if not ready:
            self._rebuild_soon()
            return await self._from_store(lambda: self.store.session_ids_of_user(user_id))
        found: list[tuple[str, bool]] = []
        revoked_before = decode_mark(mark)
        async with self.redis.pipeline(transaction=False) as pipe:
            ids = sorted(member.decode() for member in members)
            for session_id in ids:
                pipe.hmget(document_key("sessions", session_id), "revoked_at", "created_at")
            for session_id, (revoked, created) in zip(ids, await pipe.execute(), strict=True):
                if revoked is None or created is None:  # expired, gone from the index
                    continue
                began = datetime.fromisoformat(json.loads(created))
                by_mark = revoked_before is not None and began <= revoked_before
                found.append((session_id, revoked != b"null" or by_mark))
        return found

    async def sign_up_by_token(self, token_hash: str) -> SignUpDocument | None:
        answered, found = await self._find(
            SignUpDocument, "sign_ups", by=("token_hash", token_hash)
        )
        if not answered:
            return await self._from_store(lambda: self.store.sign_up_by_token(token_hash))
        return found if found is not None and found.token_hash == token_hash else None

    async def password_reset_by_token(self, token_hash: str) -> PasswordResetDocument | None:
        by = ("token_hash", token_hash)
        answered, found = await self._find(PasswordResetDocument, "password_resets", by=by)
        if not answered:
            return await self._from_store(lambda: self.store.password_reset_by_token(token_hash))
        return found if found is not None and found.token_hash == token_hash else None

    async def record_use(self, session_id: str, now: datetime) -> None:
        key = document_key("sessions", session_id)
        try:
            args: list[str | int] = [encode_value(now), int(now.timestamp()), USE_PERSIST_SECONDS]
            to_store = await self._record_use([key], args)
        except (RedisError, OSError) as error:
            log.warning("account index unavailable, recording use in the store: %s", error)
            to_store = 1
        if to_store:  # with the others of the interval: lookups/use_batches.py
            self._uses.note(session_id, now)

    async def sessions_revoked(
        self, user_id: str, session_ids: list[str] | None, revoked_at: datetime
    ) -> None:
        if session_ids is None:  # the person's mark: sessions not yet in the index too
            mark = self._raise_mark([revoked_before_key(user_id)], [encode_value(revoked_at)])
            await self._writing(mark)
            return
        unrevoked: Condition = ("revoked_at", "eq", None)
        for session_id in session_ids:
            await self.updated("sessions", session_id, {"revoked_at": revoked_at}, unrevoked)

    async def session_token_added(self, session_id: str, token_hash: str) -> None:
        """Only a key for the token, expiring with the session (SET_FIELDS, no fields)."""
        token_key = secondary_key("sessions", "token_hashes", token_hash)
        keys = [document_key("sessions", session_id), READY_KEY, token_key]
        await self._writing(self._set_fields(keys, [session_id, "0", "", "", ""]))

    async def created(self, collection: str, document: Fields) -> None:
        await self._writing(self._fill_one(collection, document))

    async def _fill_one(self, collection: str, document: Fields) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            await queue_fill(self._fill, pipe, collection, document)
            await pipe.execute()

    async def updated(
        self, collection: str, key: str, fields: Fields, condition: Condition | None = None
    ) -> None:
        upsert = "_id" in fields
        condition_args = (
            [condition[0], condition[1], encode_value(condition[2])] if condition else ["", "", ""]
        )
        keys = [document_key(collection, key), READY_KEY, *secondary_keys(collection, fields)]
        args = [key, "1" if upsert else "0", *condition_args, *encode_fields(fields)]
        await self._writing(self._set_fields(keys, args))

    async def _writing(self, write: Awaitable[object]) -> None:
        """A write-through; should it fail, the index is marked incomplete (reads go to the
        store, a rebuild starts) rather than left to serve what the store has replaced."""
        try:
            await write
        except (RedisError, OSError) as error:
            log.warning("account index not written, marking it for a rebuild: %s", error)
            with contextlib.suppress(RedisError, OSError):
                await self.redis.delete(READY_KEY)

    def _rebuild_soon(self) -> None:
        if self._rebuild is None or self._rebuild.done():
            self._rebuild = asyncio.create_task(self._rebuild_all(), name="account index rebuild")

    async def _rebuild_all(self) -> None:
        if not await self.redis.set(REBUILD_LOCK, b"1", nx=True, ex=REBUILD_LOCK_SECONDS):
            return  # another replica rebuilds; the next read that misses asks again
        try:
            for attempt in range(1, REBUILD_ATTEMPTS + 1):
                try:
                    counts = await rebuild_index(self.redis, partial(queue_fill, self._fill))
                except Exception as error:  # e.g. a read past the socket timeout, under load
                    log.warning("account index not rebuilt (attempt %d): %s", attempt, error)
                    await asyncio.sleep(REBUILD_RETRY_SECONDS)
                    continue
                await self.redis.set(READY_KEY, b"1")
                log.info("account index rebuilt from the store", extra=counts)
                return
        finally:
            self._turns.rebuild_ended()
            with contextlib.suppress(Exception):
                await self.redis.delete(REBUILD_LOCK)

    async def wait_rebuilt(self) -> None:
        if self._rebuild is not None:
            await asyncio.gather(self._rebuild, return_exceptions=True)

    async def stop(self) -> None:
        if self._rebuild is not None:
            self._rebuild.cancel()
        await self.wait_rebuilt()
        await self._uses.stop()
