"""The account look-ups (auth_svc/lookups/), the same behaviour with both indexes: Valkey
(the embedded database's default) and the store's own (production on MongoDB). Sign-in,
the token check behind every chat request, the hand-off, a reset link and revocation, then
again once Valkey has lost everything; and with the Valkey index, none of them reads the
database (on FerretDB each read is a scan of the whole collection)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from nats.js import JetStreamContext
from quart import Quart
from quart.typing import TestClientProtocol as Client
from redis.asyncio import Redis

from auth_svc.app import create_app
from auth_svc.lib.tokens import hash_token
from auth_svc.lookups import account_lookups
from auth_svc.lookups.write_through import READY_KEY, REBUILD_LOCK
from auth_svc.models.documents import SessionDocument, SessionToken, UserDocument, as_utc
from auth_svc.settings import AuthSettings
from service_kit.events import PasswordResetRequested, utc_now
from tests.integration.auth_svc.conftest import (
    INTERNAL_SCOPE,
    PASSWORD,
    STATE,
    link_of,
    reset_password,
    sign_in,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)
from tests.support.database_commands import CommandCounter, database_commands

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}
READS = {"find", "aggregate", "count"}


async def _internal(client: Client, path: str, **body: str) -> Any:
    response = await client.post(path, json=body, headers=SECRET, scope_base=INTERNAL_SCOPE)
    return response.status_code, await response.get_json() if response.status_code != 204 else None


async def _valid(client: Client, token: str) -> bool:
    _, body = await _internal(client, "/internal/token-check", token=token)
    return bool(body["valid"])


async def _signed_in(app: Quart, password: str = PASSWORD) -> str:
    """chat's access token for a new session of Ada's (a browser of its own)."""
    client = app.test_client()
    code = await sign_in(client, password=password)
    status, body = await _internal(client, "/internal/handoff/redeem", code=code)
    assert status == 200
    token: str = body["access_token"]
    return token


@pytest.fixture
async def counted_app(
    request: pytest.FixtureRequest, infrastructure_env: dict[str, Any]
) -> AsyncIterator[tuple[Quart, CommandCounter]]:
    """An auth app with ``lookup_index`` from the test's parameter, its database commands
    counted (the counter is registered before the app's client is made)."""
    settings = AuthSettings(**infrastructure_env, lookup_index=request.param)
    with database_commands() as counter:
        counter._suffix = f"{infrastructure_env['mongodb_database']}_auth"
        app = create_app(settings)
        async with app.test_app():
            yield app, counter


def _reads(counter: CommandCounter) -> dict[tuple[str, str], int]:
    return {key: n for key, n in counter.sent.items() if key[0] in READS}


@pytest.mark.parametrize("counted_app", ["valkey", "database"], indirect=True)
async def test_sign_in_checks_reset_and_revocation_before_and_after_valkey_is_flushed(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext, redis_client: Redis
) -> None:
    app, _ = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    kept, ended = await _signed_in(app), await _signed_in(app)
    assert await _valid(client, kept) and await _valid(client, ended)
    assert await _internal(client, "/internal/sessions/revoke", token=ended) == (204, None)
    assert not await _valid(client, ended)  # at once: the index was written before the answer

    await redis_client.flushall()  # everything Valkey held is gone
    # Read from the store while the index is rebuilt, then from the index again.
    assert await _valid(client, kept) and not await _valid(client, ended)
    await account_lookups().wait_rebuilt()
    assert await _valid(client, kept) and not await _valid(client, ended)
    also_kept = await _signed_in(app)

    await submit(client, "/forgot-password", email="ada@example.com")
    [reset] = await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)
    assert isinstance(reset, PasswordResetRequested)
    path = f"/reset-password?token={token_from(link_of(reset))}"
    new = "a brand new passphrase"
    assert (await submit(client, path, password=new, confirm_password=new)).status_code == 303
    assert (await client.get(path)).status_code == 403  # the link is spent
    # A reset ends every session; the new password signs in, the old no longer does.
    assert not await _valid(client, kept) and not await _valid(client, also_kept)
    assert await _valid(client, await _signed_in(app, new))
    old = await submit(app.test_client(), "/sign-in", email="ada@example.com", password=PASSWORD)
    assert old.status_code == 401


@pytest.mark.parametrize("counted_app", ["valkey"], indirect=True)
async def test_a_revocation_while_the_index_is_rebuilt_is_not_undone_by_the_rebuild(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext, redis_client: Redis
) -> None:
    """The worst order: another replica's rebuild reads the sessions, then they are revoked
    here, then that rebuild writes what it read and marks the index complete."""
    app, _ = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    first, second = await _signed_in(app), await _signed_in(app)
    users = await UserDocument.get_pymongo_collection().find().to_list()
    read_by_the_rebuild = await SessionDocument.get_pymongo_collection().find().to_list()
    for chat_token in await SessionToken.get_pymongo_collection().find().to_list():
        [session] = [s for s in read_by_the_rebuild if s["_id"] == chat_token["session_id"]]
        session["token_hashes"].append(chat_token["_id"])  # as rebuild.py merges them
    await redis_client.flushall()
    await redis_client.set(REBUILD_LOCK, b"1", ex=60)  # the other replica holds the rebuild
    assert await _internal(client, "/internal/sessions/revoke-all", token=first) == (204, None)
    for stale in read_by_the_rebuild:
        await account_lookups().created("sessions", stale)  # the rebuild's fill
    for user in users:
        await account_lookups().created("users", user)
    await redis_client.set(READY_KEY, b"1")
    assert await _valid(client, await _signed_in(app))  # the index answers
    assert not await _valid(client, first) and not await _valid(client, second)


@pytest.mark.parametrize("counted_app", ["valkey"], indirect=True)
async def test_with_the_valkey_index_sign_in_hand_off_and_checks_read_and_update_nothing(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext
) -> None:
    app, counter = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    token = await _signed_in(app)
    await account_lookups().wait_rebuilt()
    counter.armed = True
    new_token = await _signed_in(app)  # the sign-in and chat's hand-off
    for _ in range(5):  # chat checks the token on every request
        assert await _valid(client, token) and await _valid(client, new_token)
    counter.armed = False
    assert _reads(counter) == {}, "the index answers every look-up"
    # On FerretDB a write to a session reads the whole collection: the hand-off and the
    # checks only insert (chat's token, the claim) or write Valkey (the last use).
    writes = {key for key in counter.sent if key[0] in {"update", "findAndModify", "delete"}}
    assert writes == set()


@pytest.mark.parametrize("counted_app", ["valkey"], indirect=True)
async def test_sign_outs_a_new_hand_off_code_and_a_reset_write_no_session_and_only_by_id(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext
) -> None:
    """On FerretDB a write to the sessions reads every session (13.7 s for a revoke-all at
    100,000), and a filter beyond a lone ``_id`` decodes every account: these are inserts,
    and the account's writes filter on its ``_id`` alone."""
    app, counter = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    at_auth = app.test_client()  # signed in at auth: chat asks it for a new hand-off code
    await sign_in(at_auth)
    one, other = await _signed_in(app), await _signed_in(app)
    await account_lookups().wait_rebuilt()
    counter.armed = True
    again = await at_auth.get(f"/sign-in?state={STATE}")
    code = parse_qs(urlsplit(again.headers["Location"]).query)["code"][0]
    status, body = await _internal(client, "/internal/handoff/redeem", code=code)
    assert status == 200 and await _valid(client, body["access_token"])
    assert await _internal(client, "/internal/sessions/revoke", token=one) == (204, None)
    assert await _valid(client, other)
    assert await _internal(client, "/internal/sessions/revoke-all", token=other) == (204, None)
    await reset_password(client, jetstream, "a brand new passphrase")
    counter.armed = False
    assert not await _valid(client, one) and not await _valid(client, other)
    assert not await _valid(client, body["access_token"])
    writes = {key for key in counter.sent if key[0] in {"update", "findAndModify", "delete"}}
    assert not {key for key in writes if key[1] == "sessions"}
    account_filters = [query for name, query in counter.update_filters if name == "users"]
    assert account_filters and all(set(query) == {"_id"} for query in account_filters)


@pytest.mark.parametrize("counted_app", ["valkey"], indirect=True)
async def test_a_session_indexed_after_a_revoke_all_is_revoked(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext, redis_client: Redis
) -> None:
    """The window of one request: a session's store insert has landed, its index copy not
    yet, when the person signs out everywhere; then its copy lands, as it was read."""
    app, _ = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    kept, late = await _signed_in(app), await _signed_in(app)
    chat_token = await SessionToken.get_pymongo_collection().find_one({"_id": hash_token(late)})
    assert chat_token is not None
    sessions = SessionDocument.get_pymongo_collection()
    session = await sessions.find_one({"_id": chat_token["session_id"]})
    assert session is not None
    session["token_hashes"].append(chat_token["_id"])
    await redis_client.delete(  # not yet in the index
        f"auth:doc:sessions:{session['_id']}", f"auth:sessions-of:{session['user_id']}"
    )
    assert await _internal(client, "/internal/sessions/revoke-all", token=kept) == (204, None)
    await account_lookups().created("sessions", session)  # the late write-through
    assert not await _valid(client, late) and not await _valid(client, kept)


@pytest.mark.parametrize("counted_app", ["valkey"], indirect=True)
async def test_last_uses_reach_the_store_in_one_batch_that_the_rebuild_reads(
    counted_app: tuple[Quart, CommandCounter], jetstream: JetStreamContext, redis_client: Redis
) -> None:
    """An upsert per session and minute reads every activity document on FerretDB (0.43 s
    at 100,000): the uses go in one insert per replica and interval, and a lost index
    gets them back."""
    app, counter = counted_app
    client = app.test_client()
    await sign_up(client, jetstream)
    tokens = [await _signed_in(app), await _signed_in(app)]
    lookups = account_lookups()
    sessions = [await lookups.session_by_token(hash_token(token)) for token in tokens]
    later = utc_now().replace(microsecond=0) + timedelta(minutes=2)  # past the interval
    counter.armed = True
    for session in sessions:
        assert session is not None
        await lookups.record_use(session.id, later)
    await lookups.stop()  # a replica stopping writes what it holds
    counter.armed = False
    writes = {key: n for key, n in counter.sent.items() if key[0] in {"update", "insert"}}
    assert writes == {("insert", "session_use_batches"): 1}
    await redis_client.flushall()
    for token in tokens:  # from the store while the index is rebuilt, then from the index
        read = await lookups.session_by_token(hash_token(token))
        assert read is not None and as_utc(read.last_seen_at) == later
    await lookups.wait_rebuilt()
    for token in tokens:
        indexed = await lookups.session_by_token(hash_token(token))
        assert indexed is not None and as_utc(indexed.last_seen_at) == later
