"""Valkey commands asked at once leave in one pipeline (stream_storms/coalesced_commands.py),
each caller getting its own answer or its own error, on a real Valkey."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as ValkeyUnreachableError
from redis.exceptions import ResponseError

from chat_svc.stream_storms.coalesced_commands import coalesced

CALLERS = 200


async def test_commands_asked_at_once_share_one_connection_and_keep_their_answers(
    redis_url: str,
) -> None:
    valkey, probe = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        await valkey.set("coalesced:text", "not a hash")
        before = int((await probe.info("stats"))["total_connections_received"])
        commands = coalesced(valkey)

        async def ask(n: int) -> object:
            await commands.call(lambda pipe: pipe.set(f"coalesced:{n}", n))
            return await commands.call(lambda pipe: pipe.get(f"coalesced:{n}"))

        answers = await asyncio.gather(*(ask(n) for n in range(CALLERS)))
        assert answers == [str(n).encode() for n in range(CALLERS)]
        opened = int((await probe.info("stats"))["total_connections_received"]) - before
        assert opened == 0, opened  # the one it had; a command per caller opened one each
        # One caller's error is its own: the others asked with it get their answers.
        wrong = commands.call(lambda pipe: pipe.hgetall("coalesced:text"))
        right = commands.call(lambda pipe: pipe.get("coalesced:0"))
        results = await asyncio.gather(wrong, right, return_exceptions=True)
        assert isinstance(results[0], ResponseError) and results[1] == b"0"
    finally:
        await valkey.delete("coalesced:text", *(f"coalesced:{n}" for n in range(CALLERS)))
        await valkey.aclose()
        await probe.aclose()


async def test_a_lost_connection_reaches_every_caller_of_its_pipeline() -> None:
    gone = Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    commands = coalesced(gone)
    results = await asyncio.gather(
        *(commands.call(lambda pipe: pipe.get("x")) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(result, ValkeyUnreachableError) for result in results), results
    with pytest.raises(ValkeyUnreachableError):
        await commands.call(lambda pipe: pipe.get("x"))  # asked again: a new pipeline, same
    await gone.aclose()
