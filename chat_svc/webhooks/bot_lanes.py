"""One lane per bot: the deliveries to a bot run one after another, in the order they were
handed in (so a bot hears its messages in post order), while each bot has its own lane, so
a slow endpoint only holds up its own bot. A lane's worker starts with its first delivery
and ends as soon as its queue is empty.

Both the number of lanes and the deliveries waiting in one are capped: past a cap ``hand``
refuses, and the caller retries later, instead of letting one stuck bot pile up work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Delivery = Callable[[], Awaitable[None]]


@dataclass
class BotLanes:
    max_lanes: int = 64
    max_waiting: int = 100  # per lane
    _queues: dict[str, deque[Delivery]] = field(default_factory=dict)
    _workers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def open_lanes(self) -> int:
        return len(self._queues)

    def hand(self, bot_id: str, delivery: Delivery) -> bool:
        """Queue ``delivery`` in the bot's lane; False when the lanes are full."""
        queue = self._queues.get(bot_id)
        if queue is None:
            if len(self._queues) >= self.max_lanes:
                return False
            queue = self._queues[bot_id] = deque()
            worker = asyncio.create_task(self._work(bot_id, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        elif len(queue) >= self.max_waiting:
            return False
        queue.append(delivery)
        return True

    async def _work(self, bot_id: str, queue: deque[Delivery]) -> None:
        try:
            while queue:
                delivery = queue.popleft()
                try:
                    await delivery()
                except Exception:  # a delivery settles its own failures; this is a bug
                    log.exception("a webhook delivery failed unexpectedly")
        finally:
            # No await between the empty queue and this: nothing can be handed in between.
            del self._queues[bot_id]

    async def close(self) -> None:
        """Stop every lane; what they held is redelivered by JetStream later."""
        for worker in list(self._workers):
            worker.cancel()
        for worker in list(self._workers):
            with contextlib.suppress(asyncio.CancelledError):
                await worker
