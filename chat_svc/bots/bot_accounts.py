"""Making a bot (its user, its key, its rooms and a webhook per room) and rotating a room's
webhook secret. Each secret is shown once, in the answer to the administrator."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chat_svc.auth.auth_client import Viewer
from chat_svc.bots.bot_records import BotProfile, insert_bot
from chat_svc.services import ChatServices
from chat_svc.tokens.token_checks import ApiTokens
from chat_svc.tokens.token_records import select_tokens_of
from chat_svc.webhooks.webhook_signing import new_signing_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewSecrets:
    """Shown once: the bot's API key (on creation) and webhook paths by room."""

    bot: BotProfile
    key: str | None
    hook_paths: dict[str, str]
    signing_secret: str | None = None  # the outgoing webhook's, when its URL was saved


def hook_path(room: str, secret: str) -> str:
    return f"/hooks/{room}/{secret}"


async def create_bot(
    services: ChatServices, tokens: ApiTokens, admin: Viewer, name: str, rooms: list[str]
) -> NewSecrets:
    """The rooms must exist and be visible to the administrator (the caller checks)."""
    bot = await insert_bot(name, admin.user_id, rooms)
    key = await tokens.issue(bot.user_id, "key", kind="bot")
    paths = {}
    for slug in rooms:
        room = await services.reads.access.room(slug)
        assert room is not None
        await services.actions.memberships.join(room, bot.user_id, room.name)
        hook = await tokens.issue(bot.user_id, slug, kind="hook", bound_to=slug)
        paths[slug] = hook_path(slug, hook.token)
    log.info("bot created", extra={"user_id": bot.user_id, "by": admin.user_id})
    return NewSecrets(bot, key.token, paths)


async def rotate_hook(tokens: ApiTokens, bot: BotProfile, room: str) -> NewSecrets:
    """A new secret for the room's webhook; the old URL stops at once (every replica)."""
    for old in await select_tokens_of(bot.user_id, kind="hook"):
        if old.name == room:
            await tokens.revoke(bot.user_id, old.token_id)
    hook = await tokens.issue(bot.user_id, room, kind="hook", bound_to=room)
    log.info("webhook secret rotated", extra={"user_id": bot.user_id, "room": room})
    return NewSecrets(bot, None, {room: hook_path(room, hook.token)})


async def set_outgoing_webhook(bot: BotProfile, url: str) -> NewSecrets:
    """Save the (already checked) URL with a new signing secret, shown once."""
    bot.webhook_url, bot.signing_secret = url, new_signing_secret()
    await bot.save()
    log.info("outgoing webhook set", extra={"user_id": bot.user_id})
    return NewSecrets(bot, None, {}, bot.signing_secret)
