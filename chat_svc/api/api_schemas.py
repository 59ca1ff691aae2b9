"""What the API accepts and answers: the pydantic models quart-schema validates requests
with and builds the OpenAPI document from. Requests refuse unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Response

from chat_svc.actions.room_names import MAX_NAME_CHARS
from chat_svc.bots.bot_records import is_bot
from chat_svc.models.messages import MessageRecord, author_tag
from chat_svc.models.rooms import Room
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.directory_index import PersonCard
from chat_svc.reads.sidebar import RoomPlace

MAX_PAGE = 100
MAX_ID = 2**53  # larger ids are refused by validation, never reach the store

# What an API view returns: a model quart-schema validates and serialises, with a status.
ApiAnswer = BaseModel | tuple[BaseModel, int] | Response


class StrictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MessageIn(StrictRequest):
    # Longer bodies are refused with the page's limit (CHAT_MESSAGE_MAX_CHARS) by the view.
    body: str = Field(min_length=1, max_length=100_000)


class RoomIn(StrictRequest):
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    visibility: Literal["open", "closed"] = "open"


class MessagePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: int | None = Field(None, ge=1, le=MAX_ID)
    after: int | None = Field(None, ge=0, le=MAX_ID)
    around: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(30, ge=1, le=MAX_PAGE)


class Author(BaseModel):
    id: str
    name: str
    bot: bool = False


class MessageOut(BaseModel):
    id: int
    room: str
    author: Author
    body: str
    posted_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    mentions: list[str] = []

    @classmethod
    def of(cls, message: MessageRecord) -> MessageOut:
        return cls(
            id=message.message_id,
            room=message.room,
            author=Author(
                id=message.author_tag, name=message.author_name, bot=is_bot(message.author_id)
            ),
            body=message.body,
            posted_at=message.posted_at,
            edited_at=message.edited_at,
            deleted=message.deleted,
            mentions=[author_tag(user_id) for user_id in message.mentions],
        )


class MessageList(BaseModel):
    messages: list[MessageOut]
    # Pass as ``before`` for the page older than this one; null at the start of the room.
    older_before: int | None = None


class RoomOut(BaseModel):
    slug: str
    name: str
    kind: Literal["open", "closed", "direct"]
    member: bool

    @classmethod
    def of_place(cls, place: RoomPlace) -> RoomOut:
        return cls(slug=place.room, name=place.title, kind=place.kind, member=True)

    @classmethod
    def of_room(cls, room: Room, member: bool) -> RoomOut:
        return cls(slug=room.slug, name=room.name, kind=room.kind, member=member)


class RoomList(BaseModel):
    rooms: list[RoomOut]


class PersonOut(BaseModel):
    id: str  # a stable tag, not the account id (models/messages.author_tag)
    name: str
    bot: bool = False

    @classmethod
    def of(cls, person: ChatUser | PersonCard) -> PersonOut:
        return cls(
            id=author_tag(person.user_id), name=person.display_name, bot=person.role == "bot"
        )


class PeopleList(BaseModel):
    people: list[PersonOut]


class Me(BaseModel):
    id: str
    name: str
    email: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable, ``title`` and ``detail`` are for people."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str | None = None
