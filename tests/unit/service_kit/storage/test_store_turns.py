"""Store reads an index could not answer: one at a time, refused once the store is too slow."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import NetworkTimeout

from service_kit.storage.store_turns import StoreTurns


class RefusedError(Exception):
    pass


def turns() -> StoreTurns:
    return StoreTurns(lambda: RefusedError("rebuilding"), turn_seconds=0.05)


async def test_a_read_waits_its_turn_and_is_refused_past_it() -> None:
    store = turns()
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "first"

    first = asyncio.create_task(store.read(slow, rebuilding=False))
    await asyncio.sleep(0)
    with pytest.raises(RefusedError):
        await store.read(lambda: asyncio.sleep(0, "second"), rebuilding=False)
    release.set()
    assert await first == "first"
    assert await store.read(lambda: asyncio.sleep(0, "third"), rebuilding=False) == "third"


async def test_after_a_timed_out_read_a_rebuild_refuses_at_once_until_it_ends() -> None:
    store = turns()

    async def timing_out() -> None:
        raise NetworkTimeout("scan too long")

    with pytest.raises(NetworkTimeout):
        await store.read(timing_out, rebuilding=True)
    with pytest.raises(RefusedError):
        await store.read(lambda: asyncio.sleep(0, "x"), rebuilding=True)
    assert await store.read(lambda: asyncio.sleep(0, "x"), rebuilding=False) == "x"
    store.rebuild_ended()
    assert await store.read(lambda: asyncio.sleep(0, "y"), rebuilding=True) == "y"
