"""'Ann is typing…': a signal over core NATS to the room's open pages, never stored.

A person's page sends at most one signal every ``TYPING_EVERY_SECONDS`` while they type;
the server holds everyone to that with a Redis key that lapses on its own (any replica),
so a page that sends more costs one Redis call, not a NATS message to every replica.
"""

from __future__ import annotations

from nats.aio.client import Client as NATS
from redis.asyncio import Redis

from chat_svc.auth.auth_client import Viewer
from chat_svc.events import PersonTyping
from chat_svc.models.messages import author_tag

TYPING_EVERY_SECONDS = 3


def typing_key(room: str, user_id: str) -> str:
    return f"chat:room:{room}:typing:{user_id}"


async def signal_typing(nats: NATS, redis: Redis, room: str, viewer: Viewer) -> bool:
    """True when the signal went out (False: one was sent less than 3 seconds ago)."""
    fresh = await redis.set(
        typing_key(room, viewer.user_id), b"1", nx=True, ex=TYPING_EVERY_SECONDS
    )
    if not fresh:
        return False
    event = PersonTyping(room=room, author_tag=author_tag(viewer.user_id), name=viewer.display_name)
    await nats.publish(PersonTyping.subject_for(room), event.to_bytes())
    return True


class TypingSignals:
    """``signal_typing`` with its NATS client and Redis (built once at start-up)."""

    def __init__(self, nats: NATS, redis: Redis) -> None:
        self._nats = nats
        self._redis = redis

    async def signal(self, room: str, viewer: Viewer) -> bool:
        return await signal_typing(self._nats, self._redis, room, viewer)
