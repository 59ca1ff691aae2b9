"""Messages held while a person's push window for a room was open become one push ("3 new
messages in general") when it closes, unless the person read them or came back meanwhile.
Every replica sweeps; each held set is leased to one (push_windows.CLAIM) and settled only
once its push went out or is not wanted: after a crash, a push service asking to retry or
an error, the lease runs out and a sweep (here or on another replica) takes it again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_svc.push.sending.device_sends import DeviceSends
from chat_svc.push.sending.member_places import MemberPlaces
from chat_svc.push.sending.payloads import coalesced_payload
from chat_svc.push.sending.push_windows import HeldMessages, PushWindows
from chat_svc.push.sending.recipients import Recipient, away_only

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0


@dataclass
class CoalescedPushes:
    redis: Redis
    windows: PushWindows
    sends: DeviceSends
    places: MemberPlaces  # each member's read position (their copies in Valkey)
    away_seconds: float
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                for held in await self.windows.claim_due():
                    await self.push(held)
            except (RedisError, OSError) as error:
                log.warning("coalesced pushes not swept: %s", error)
            except Exception:
                log.exception("coalesced push failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), SWEEP_SECONDS)

    def stop(self) -> None:
        self._stopping.set()

    async def push(self, held: HeldMessages) -> None:
        if await self._sent_or_unwanted(held):
            await self.windows.settle(held)

    async def _sent_or_unwanted(self, held: HeldMessages) -> bool:
        place = (await self.places.of(held.room, [held.user_id])).get(held.user_id)
        if place is None:  # left the room meanwhile
            return True
        unread = [i for i in held.message_ids if i > place.last_read_message_id]
        person = Recipient(held.user_id, place.title, place.kind == "direct")
        if not unread or not await away_only([person], self.redis, self.away_seconds):
            return True
        newest = unread[-1]
        payload = coalesced_payload(
            room=held.room, where=place.title, count=len(unread), message_id=newest
        )
        # Keyed by the newest message: a set taken again after a crash is the same push.
        push_key = f"{held.room}:{newest}:coalesced"
        return await self.sends.to_people(push_key, lambda _: payload, [held.user_id])
