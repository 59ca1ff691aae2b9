"""Who is here: the people with a room open in some tab, on any replica.

Each open stream is one entry in the room's Redis sorted set, scored by when it expires;
its replica refreshes it every ``REFRESH_SECONDS`` and removes it when the stream ends. A
replica that dies stops refreshing, so its entries lapse within ``ENTRY_SECONDS``.
Every ``FLUSH_SECONDS`` each replica reads the list of every room it shows and sends it to
that room's streams only when it changed: at most one update per room every two seconds,
and a closed tab leaves everyone's list within ``ENTRY_SECONDS`` at worst (at once, plus
the flush, when its stream ends normally).

Per person, ``stream_seen_key`` holds when they last had any stream open (set on arrival
and every refresh): Web Push goes only to people away for a while (chat_svc/push/).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.live.fanout import Fanout
from chat_svc.live.sse_frames import frame
from chat_svc.live.stream_client import StreamClient
from chat_svc.stream_storms.coalesced_commands import coalesced
from chat_svc.web.here_now import Person, by_name, here_html

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
REFRESH_SECONDS = 3.0
ENTRY_SECONDS = 8.0
SEEN_KEEP_SECONDS = 3600  # longer than anyone counts as "just here"


def stream_seen_key(user_id: str) -> str:
    return f"chat:person:{user_id}:stream-seen"


def here_key(room: str) -> str:
    return f"chat:room:{room}:here"


def people_here(entries: list[bytes]) -> list[Person]:
    """The set's entries (one per tab) as one entry per person, by name."""
    people: dict[str, str] = {}
    for item in entries:
        entry = json.loads(item)
        people[entry["user"]] = entry["name"]
    return by_name(people)


@dataclass
class Presence:
    redis: Redis
    fanout: Fanout
    _entries: dict[StreamClient, tuple[str, str]] = field(default_factory=dict)  # room, member
    _sent: dict[str, list[Person]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        entries, self._entries = list(self._entries.values()), {}
        with contextlib.suppress(RedisError, OSError):
            for room, member in entries:
                await self.redis.zrem(here_key(room), member)

    async def arrive(self, client: StreamClient, display_name: str) -> None:
        member = json.dumps({"user": client.user_id, "name": display_name, "tab": uuid.uuid4().hex})
        self._entries[client] = (client.room, member)
        # With every other stream's arrival meanwhile (stream_storms/): one round trip.
        commands = coalesced(self.redis)
        try:
            answers = await asyncio.gather(
                commands.call(
                    lambda pipe: pipe.zadd(
                        here_key(client.room), {member: time.time() + ENTRY_SECONDS}
                    )
                ),
                commands.call(
                    lambda pipe: pipe.set(
                        stream_seen_key(client.user_id), time.time(), ex=SEEN_KEEP_SECONDS
                    )
                ),
                return_exceptions=True,
            )
            for answer in answers:
                if isinstance(answer, BaseException):
                    raise answer
        except (RedisError, OSError) as error:  # a courtesy: the stream goes on without
            log.warning("presence not recorded: %s", error)

    async def leave(self, client: StreamClient) -> None:
        entry = self._entries.pop(client, None)
        if entry is None:
            return
        with contextlib.suppress(RedisError, OSError):
            await self.redis.zrem(here_key(entry[0]), entry[1])

    async def names(self, room: str) -> list[Person]:
        """Who has ``room`` open now, by name, each person once."""
        raw = await self.redis.zrangebyscore(here_key(room), time.time(), "+inf")
        return people_here(cast(list[bytes], raw))

    async def _run(self) -> None:
        last_refresh = 0.0
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                if time.monotonic() - last_refresh >= REFRESH_SECONDS - FLUSH_SECONDS / 2:
                    await self._refresh()
                    last_refresh = time.monotonic()
                await self._flush()
            except (RedisError, OSError) as error:
                log.warning("presence not updated: %s", error)

    async def _refresh(self) -> None:
        expires = time.time() + ENTRY_SECONDS
        by_room: dict[str, dict[str, float]] = {}
        for room, member in self._entries.values():
            by_room.setdefault(room, {})[member] = expires
        async with self.redis.pipeline(transaction=False) as pipe:
            for room, members in by_room.items():
                pipe.zadd(here_key(room), members)
                pipe.zremrangebyscore(here_key(room), "-inf", time.time())  # lapsed tabs
            for user_id in {client.user_id for client in self._entries}:
                pipe.set(stream_seen_key(user_id), time.time(), ex=SEEN_KEEP_SECONDS)
            await pipe.execute()

    async def _flush(self) -> None:
        shown = self.fanout.viewed_rooms()
        for room in list(self._sent):
            if room not in shown:
                del self._sent[room]
        for room in shown:
            names = await self.names(room)
            if self._sent.get(room) != names:
                self._sent[room] = names
                self.fanout.send_to_room(room, frame("here", str(here_html(names))))
