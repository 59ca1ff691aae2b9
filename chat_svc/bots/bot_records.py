"""The bots' own document: who made each and which rooms it joined. The bot itself is a
``ChatUser`` (models/users.py) with role "bot"; its key and hook secrets are tokens
(chat_svc/tokens/)."""

from __future__ import annotations

import secrets
from datetime import datetime

from beanie import Document, Indexed

from chat_svc.models.users import ChatUser
from chat_svc.people_directory.installation import person_changed
from chat_svc.tokens.token_records import now

BOT_PREFIX = "bot-"  # a bot's user id: the pages mark its name "bot" by this alone


class BotProfile(Document):
    user_id: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str
    created_by: str
    created_at: datetime
    rooms: list[str]
    # Outgoing webhook (chat_svc/webhooks/): where mentions and DMs go, and the key they
    # are signed with (kept as is: signing needs it).
    webhook_url: str | None = None
    signing_secret: str | None = None

    class Settings:
        name = "bots"


def is_bot(user_id: str) -> bool:
    return user_id.startswith(BOT_PREFIX)


async def insert_bot(name: str, created_by: str, rooms: list[str]) -> BotProfile:
    user_id = BOT_PREFIX + secrets.token_hex(8)
    # No address: bots get no e-mail, and auth has no account to sign in to.
    email = f"{user_id}@bots.invalid"
    await ChatUser(user_id=user_id, email=email, display_name=name, role="bot").insert()
    await person_changed(user_id, display_name=name, role="bot", email=email)
    profile = BotProfile(
        user_id=user_id, name=name, created_by=created_by, created_at=now(), rooms=rooms
    )
    await profile.insert()
    return profile


async def select_bots() -> list[BotProfile]:
    return await BotProfile.find().sort("+name").to_list()


async def select_bot(user_id: str) -> BotProfile | None:
    return await BotProfile.find_one(BotProfile.user_id == user_id)
