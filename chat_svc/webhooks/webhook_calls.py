"""One delivery to one bot: the outbound filter, the signed POST, the bot's answer posted
as the bot (once, even when the delivery is retried: the answer's send-once key is derived
from the bot and the message)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

import httpx

from chat_svc.actions.message_feed import MessageFeed
from chat_svc.actions.room_names import DIRECT_PREFIX
from chat_svc.api.api_schemas import MessageOut
from chat_svc.auth.auth_client import Viewer
from chat_svc.bots.bot_records import BotProfile
from chat_svc.bots.posted_text import posted_text
from chat_svc.models.messages import MessageRecord, author_tag
from chat_svc.models.rooms import select_room
from chat_svc.webhooks.webhook_signing import signed_headers
from service_kit.outbound.public_targets import RefusedTargetError, TargetPolicy, check_public_url

log = logging.getLogger(__name__)

MAX_REPLY_BYTES = 16 * 1024
REPLIES = uuid.UUID("6f1d3c1e-36a0-4c55-9a53-0e4a1f8f3b36")  # namespace of reply keys


class DeliveryFailedError(Exception):
    """The endpoint did not take the delivery (retried later)."""


class TargetRefusedError(DeliveryFailedError):
    """The URL is not one we may call (not retried: it will not get better by itself)."""


@dataclass(frozen=True)
class WebhookCalls:
    http: httpx.AsyncClient
    feed: MessageFeed
    policy: TargetPolicy
    max_chars: int

    async def deliver(self, bot: BotProfile, message: MessageRecord) -> None:
        assert bot.webhook_url is not None
        assert bot.signing_secret is not None
        try:
            url = await check_public_url(bot.webhook_url, self.policy)
        except RefusedTargetError as refused:
            raise TargetRefusedError(str(refused)) from refused
        kind = "direct" if message.room.startswith(DIRECT_PREFIX) else "mention"
        payload = {
            "type": kind,
            "room": message.room,
            "bot": {"id": author_tag(bot.user_id), "name": bot.name},
            "message": MessageOut.of(message).model_dump(mode="json"),
        }
        body = json.dumps(payload).encode()
        headers = signed_headers(bot.signing_secret, int(time.time()), body)
        try:
            async with self.http.stream("POST", url, content=body, headers=headers) as response:
                if not 200 <= response.status_code < 300:
                    raise DeliveryFailedError(f"HTTP {response.status_code}")
                answer = b""
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) > MAX_REPLY_BYTES:
                        break
                content_type = response.headers.get("content-type", "")
        except httpx.HTTPError as error:
            raise DeliveryFailedError(type(error).__name__) from error
        reply = (posted_text(answer[:MAX_REPLY_BYTES], content_type) or "")[
            : self.max_chars
        ].strip()
        if reply:
            await self._post_reply(bot, message, reply)

    async def _post_reply(self, bot: BotProfile, message: MessageRecord, reply: str) -> None:
        room = await select_room(message.room)
        if room is None or room.archived:  # archived (read-only) or deleted since the post
            log.info("bot answer dropped: room archived or deleted", extra={"room": message.room})
            return
        as_bot = Viewer(session_id="webhook", user_id=bot.user_id, email="", display_name=bot.name)
        key = uuid.uuid5(REPLIES, f"{bot.user_id}/{message.room}/{message.message_id}").hex
        await self.feed.post(as_bot, message.room, reply, rate_limited=False, client_id=key)
