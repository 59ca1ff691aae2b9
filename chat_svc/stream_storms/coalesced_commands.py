"""Valkey commands asked at the same moment go out in one pipeline, one at a time.

When a replica's clients reconnect at once, a thousand streams each ask Valkey for the same
few things (the person's rooms, presence, the sidebar's counts) within a few passes of the
event loop. One connection and one command each ran the pool (64 connections, 0.5 s wait)
dry: the losers fell back to the database (a read per stream that waits on its pool) or
answered 503, and a thousand round trips cost the loop far more than their bytes. Here the
commands asked while a pipeline is out wait for it and then leave together in the next, so
a storm costs a handful of round trips and one connection. One command alone leaves at once
(the next pass of the loop), so a quiet replica waits for nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

# Queues one command on the pipeline (a registered script's call is awaited).
Queue = Callable[[Pipeline], Awaitable[object] | object]

_BY_CLIENT: weakref.WeakKeyDictionary[Redis, CoalescedCommands] = weakref.WeakKeyDictionary()


class CoalescedCommands:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.loop = asyncio.get_running_loop()
        self._waiting: list[tuple[Queue, asyncio.Future[Any]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def call(self, queue: Queue) -> Any:
        """The command's answer; its error (or the pipeline's) is raised here."""
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((queue, answer))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_while_asked())
        return await answer

    async def _send_while_asked(self) -> None:
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the rest of this pass of the loop asks too
                batch, self._waiting = self._waiting, []
                await _send(self._redis, batch)
        finally:  # cancelled (shutting down): nobody is left waiting for ever
            waiting, self._waiting = self._waiting, []
            for _, answer in waiting:
                answer.cancel()


async def _send(redis: Redis, batch: list[tuple[Queue, asyncio.Future[Any]]]) -> None:
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for queue, _ in batch:
                queued = queue(pipe)
                if inspect.isawaitable(queued):
                    await queued
            answers = await pipe.execute(raise_on_error=False)
    except Exception as error:  # the connection or the pool: every caller hears of it
        for _, answer in batch:
            if not answer.done():
                answer.set_exception(error)
        return
    except BaseException:  # the sender cancelled (shutting down): so are its callers
        for _, answer in batch:
            answer.cancel()
        raise
    for (_, answer), result in zip(batch, answers, strict=True):
        if answer.done():  # its stream went away meanwhile
            continue
        if isinstance(result, Exception):
            answer.set_exception(result)
        else:
            answer.set_result(result)


def coalesced(redis: Redis) -> CoalescedCommands:
    """The one batcher of this client in this event loop."""
    found = _BY_CLIENT.get(redis)
    if found is None or found.loop is not asyncio.get_running_loop():
        found = _BY_CLIENT[redis] = CoalescedCommands(redis)
    return found
