"""Releases live messages in id order, so every stream's ids only go up.

Ids are taken from the shared sequence before a message is stored and published, so two
posts in flight (on one replica or two) can reach NATS in either order. A stream that got
105 before 104 and then reconnects with ``Last-Event-ID: 105`` would never see 104. Each
replica therefore holds a message whose predecessor has not arrived yet, for at most
``window`` seconds: an id can be taken and never published (its post failed), and then the
gap is given up on. A message older than the released ones (it arrived after its window)
is still released: the page places it by id, and the ids already sent make resumes correct.
A post whose publish was not acknowledged is published again (actions/message_publisher.py), so an
id released already is dropped when it comes a second time: only ids given up on, or older
than the first this replica ordered, are released late (and a stream that resumed past a
republished id skips it: live/stream_client.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Release = Callable[[int, bytes], None]
# Ids given up on are remembered this far below the next one: far more than a minute of
# posts (what a republish takes at most), and a bound on what failed posts leave behind.
GIVEN_UP_HORIZON = 10_000


class IdOrder:
    def __init__(self, release: Release, window: float) -> None:
        self._release = release
        self._window = window
        self._held: dict[int, bytes] = {}
        self._timer: asyncio.TimerHandle | None = None
        # Unknown until the first message: this replica may start mid-stream.
        self.next_id: int | None = None
        # The first id ordered here (older ones were stored before: released as they come),
        # and the ids whose gap was given up on, released once if they come after all: as
        # ranges, oldest first, since one gap can be a thousand ids (the sequence's seed
        # margin after a Redis flush, actions/message_ids.py) in every room a replica follows.
        self._floor = 0
        self._given_up: list[range] = []

    def start_at(self, next_id: int) -> None:
        """Order from ``next_id`` on (the newest stored id + 1), unless a message came first."""
        if self.next_id is None:
            self.next_id = self._floor = next_id

    def offer(self, message_id: int, data: bytes) -> bool:
        """False when the message was released already (a second publish) and is dropped."""
        if self.next_id is None or message_id == self.next_id:
            if self.next_id is None:
                self._floor = message_id
            self._release(message_id, data)
            self.next_id = message_id + 1
            self._release_held_run()
        elif message_id < self.next_id:
            if not self._take_given_up(message_id) and message_id >= self._floor:
                return False  # released already, and published a second time
            self._release(message_id, data)  # late: its window had expired
        else:
            self._held[message_id] = data
            if self._timer is None:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self._window, self._give_up_on_gap)
        return True

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def given_up(self) -> int:
        """How many ids given up on are remembered (released once if they still come)."""
        return sum(len(gap) for gap in self._given_up)

    def _take_given_up(self, message_id: int) -> bool:
        """Forget ``message_id`` as given up on; False when it was not."""
        for index in range(len(self._given_up) - 1, -1, -1):  # recent gaps first
            gap = self._given_up[index]
            if message_id in gap:
                kept = [
                    part
                    for part in (range(gap.start, message_id), range(message_id + 1, gap.stop))
                    if part
                ]
                self._given_up[index : index + 1] = kept
                return True
        return False

    def _release_held_run(self) -> None:
        while self.next_id in self._held:
            self._release(self.next_id, self._held.pop(self.next_id))
            self.next_id += 1
        if not self._held and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _give_up_on_gap(self) -> None:
        self._timer = None
        if self._held and self.next_id is not None:
            resumed_at = min(self._held)
            oldest = resumed_at - GIVEN_UP_HORIZON
            gaps = [*self._given_up, range(self.next_id, resumed_at)]
            self._given_up = [
                range(max(gap.start, oldest), gap.stop) for gap in gaps if gap.stop > oldest
            ]
            self.next_id = resumed_at
            self._release_held_run()
        if self._held and self._timer is None:  # another gap further on
            self._timer = asyncio.get_running_loop().call_later(self._window, self._give_up_on_gap)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held.clear()
