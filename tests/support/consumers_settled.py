"""Waiting until every durable consumer of a stream has handled all it was given, so work a
test did earlier (a post's push recipients, its search entry) does not land in a later count."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext


async def wait_until_consumers_settled(
    js: JetStreamContext, stream: str, timeout: float = 20.0
) -> None:
    settled_polls = 0
    async with asyncio.timeout(timeout):
        while settled_polls < 2:  # twice in a row: a message published meanwhile shows up
            consumers = await js.consumers_info(stream)
            idle = all(c.num_pending == 0 and c.num_ack_pending == 0 for c in consumers)
            settled_polls = settled_polls + 1 if idle else 0
            await asyncio.sleep(0.1)
