"""Releases live messages in id order, so every stream's ids only go up.

Ids are taken from the shared sequence before a message is stored and published, so two
posts in flight (on one replica or two) can reach NATS in either order. A stream that got
105 before 104 and then reconnects with ``Last-Event-ID: 105`` would never see 104. Each
replica therefore holds a message whose predecessor has not arrived yet, for at most
``window`` seconds: an id can be taken and never published (its post failed), and then the
gap is given up on. A message older than the released ones (it arrived after its window)
is still released: the page places it by id, and the ids already sent make resumes correct.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Release = Callable[[int, bytes], None]


class IdOrder:
    def __init__(self, release: Release, window: float) -> None:
        self._release = release
        self._window = window
        self._held: dict[int, bytes] = {}
        self._timer: asyncio.TimerHandle | None = None
        # Unknown until the first message: this replica may start mid-stream.
        self.next_id: int | None = None

    def offer(self, message_id: int, data: bytes) -> None:
        if self.next_id is None or message_id == self.next_id:
            self._release(message_id, data)
            self.next_id = message_id + 1
            self._release_held_run()
        elif message_id < self.next_id:
            self._release(message_id, data)  # late: its window had expired
        else:
            self._held[message_id] = data
            if self._timer is None:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self._window, self._give_up_on_gap)

    @property
    def held(self) -> int:
        return len(self._held)

    def _release_held_run(self) -> None:
        while self.next_id in self._held:
            self._release(self.next_id, self._held.pop(self.next_id))
            self.next_id += 1
        if not self._held and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _give_up_on_gap(self) -> None:
        self._timer = None
        if self._held:
            self.next_id = min(self._held)
            self._release_held_run()
        if self._held and self._timer is None:  # another gap further on
            self._timer = asyncio.get_running_loop().call_later(self._window, self._give_up_on_gap)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held.clear()
