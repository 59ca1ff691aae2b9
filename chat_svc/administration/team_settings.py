"""Team-wide settings administrators choose: for now, who may create rooms.

One document, read from the store at each room creation (rare), so a change counts on every
replica at once."""

from __future__ import annotations

from typing import Literal

from beanie import Document

from chat_svc.people_directory.person_lookup import find_stored_person
from service_kit.people.roles import ADMIN
from service_kit.storage.store_compat import upsert_retrying

RoomCreators = Literal["everyone", "admins"]
TEAM_ID = "team"
ADMINS_CREATE_ROOMS = "On this team, administrators create the rooms. Ask one to make it for you."


class TeamSettings(Document):
    id: str = TEAM_ID  # type: ignore[assignment]
    room_creators: RoomCreators = "everyone"

    class Settings:
        name = "team_settings"


async def select_room_creators() -> RoomCreators:
    found = await TeamSettings.find_one({"_id": TEAM_ID})
    return found.room_creators if found is not None else "everyone"


async def set_room_creators(creators: RoomCreators) -> None:
    await upsert_retrying(
        TeamSettings.get_pymongo_collection(),
        {"_id": TEAM_ID},
        {"$set": {"room_creators": creators}},
    )


async def may_create_rooms(user_id: str) -> bool:
    if await select_room_creators() == "everyone":
        return True
    person = await find_stored_person(user_id)
    return person is not None and person.role == ADMIN and not person.deactivated
