"""The pull loop a durable's worker runs once bound: fetch a batch, hand it over, repeat.

Shared by service_kit's ``DurableConsumer`` and chat's history writer. A fetch that found
nothing is retried at once; a failed one after half a second, and a deleted durable ends the
loop (the caller binds again). After a batch shorter than asked for (the worker caught up),
the next fetch may wait ``linger_seconds``: at 100 msg/s a fetch otherwise returns about one
message, so a worker that does one costly step per batch (an insert, an index commit) would
do it per message. The wait comes after the batch was handled and acked, so no ack wait runs
down meanwhile, and ``stopping`` cuts it short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)

FETCH_WAIT_SECONDS = 1.0
FAILED_FETCH_PAUSE_SECONDS = 0.5


async def fetched_batches(
    subscription: JetStreamContext.PullSubscription,
    durable: str,
    batch: int,
    stopping: asyncio.Event,
    linger_seconds: float = 0.0,
) -> AsyncGenerator[list[Msg]]:
    """Each non-empty batch of up to ``batch`` messages until ``stopping`` is set or the
    durable is gone."""
    while not stopping.is_set():
        try:
            messages = await subscription.fetch(batch, timeout=FETCH_WAIT_SECONDS)
        except TimeoutError:
            # Nothing came. nats-py raises its own TimeoutError, or a bare one when a busy
            # event loop used up the wait before the lingering pull could be sent.
            continue
        except Exception as error:
            log.warning("fetch failed on %s: %s", durable, str(error) or type(error).__name__)
            await sleep_unless(stopping, FAILED_FETCH_PAUSE_SECONDS)
            if isinstance(error, NotFoundError):
                return  # the durable was deleted: bind again
            continue
        if not messages:  # nats-py may hand back none (a pull that expired on a busy loop)
            continue
        yield messages
        if len(messages) < batch:  # caught up: let the next batch gather
            await sleep_unless(stopping, linger_seconds)


async def sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stopping`` is set meanwhile."""
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
