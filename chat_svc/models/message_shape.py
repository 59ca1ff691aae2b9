"""A message's fields, declared once. The stored document (``models/messages.ChatMessage``),
the record the page, the Redis cache and the live stream see (``MessageRecord``) and the two
message events (``events.MessagePosted``, ``events.MessageChanged``) are built from these
groups, never by repeating them (tests/unit/chat_svc/models/test_message_shape.py fails if
one of them grows a field of its own).

Three groups, because a post carries no edit and the order of the fields is part of the
formats: the record's JSON starts ``{"room":…,"message_id":`` (actions/post_intake.py
splices the id there) and the stored document keeps beanie's field order. Bases are listed
last group first: pydantic orders fields from the last base to the first.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from chat_svc.files.previews.preview_kinds import PDF_PREVIEW_BOX, file_preview

GENERAL = "general"
# The box an image's thumbnail fits in (chat_svc/files/processing/image_work.py makes it).
THUMBNAIL_BOX = (480, 360)


class PostedFields(BaseModel):
    """What a post says: where, which id of its room, who, what and when."""

    room: str = GENERAL
    message_id: int
    author_id: str
    author_name: str
    body: str
    posted_at: datetime


class ChangeFields(BaseModel):
    """What an edit or a deletion sets (actions/message_edits.py): the change takes the next
    id of the room's sequence, so a resume after that id brings the current version."""

    event_id: int | None = None
    edited_at: datetime | None = None
    deleted: bool = False
    removed_by_admin: bool = False  # a deletion by an administrator (chat_svc/administration/)


class MentionFields(BaseModel):
    """The user ids the text mentions (actions/mentions.py), found at post and edit time;
    added later with a default, so older documents and events still decode."""

    mentions: tuple[str, ...] = ()


class AttachedFile(BaseModel, frozen=True):
    """A file of a message as its HTML needs it (chat_svc/files/: the bytes are in the object
    store, the rest of its metadata in the ``files`` collection). Width and height are an
    image's, after its orientation is applied; 0 for anything not shown inline."""

    file_id: str
    name: str
    content_type: str
    size: int
    width: int = 0
    height: int = 0

    @property
    def thumbnail_size(self) -> tuple[int, int]:
        """The thumbnail's size, known before it loads (Pillow's ``thumbnail`` keeps the
        ratio and never enlarges); a PDF's first page always fills its own box."""
        if self.preview == "pdf":
            return PDF_PREVIEW_BOX
        box_width, box_height = THUMBNAIL_BOX
        scale = min(1.0, box_width / max(self.width, 1), box_height / max(self.height, 1))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def preview(self) -> str:
        """ "pdf" (its first page as the thumbnail), "video" or "" (chat_svc/files/previews/)."""
        return file_preview(self.content_type)

    @property
    def size_text(self) -> str:
        if self.size < 1024:
            return f"{self.size} bytes"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size / 1024 / 1024:.1f} MB"


class FileFields(BaseModel):
    """The message's files (issue 31), added later with a default like the mentions."""

    files: tuple[AttachedFile, ...] = ()


class FormattedFields(BaseModel):
    """The text as HTML (chat_svc/formatting/), rendered once at post and edit time; empty
    on messages stored before formatting, which the page renders when it reads them."""

    body_html: str = ""


class ReplyQuote(BaseModel):
    """The message a reply answers, as its quote shows it (chat_svc/replies/): taken when the
    reply is posted; ``deleted`` set when the original goes."""

    message_id: int
    author_id: str
    author_name: str
    first_line: str = ""
    deleted: bool = False


class ReplyFields(BaseModel):
    """A reply's quote of its original, and on an original how many replies it has."""

    reply: ReplyQuote | None = None
    reply_count: int = 0


class Reactor(BaseModel):
    """Someone who reacted; the name kept so "who reacted" needs no read. (An object, not a
    pair: FerretDB stores no nested arrays.)"""

    user_id: str
    name: str


class Reaction(BaseModel):
    """One emoji on a message and who reacted with it, first reactor first."""

    emoji: str
    people: tuple[Reactor, ...] = ()


class ReactionFields(BaseModel):
    """The message's reactions (chat_svc/reactions/), first used first. A change takes the
    next id of the room's sequence as an edit does, without ``edited_at``."""

    reactions: tuple[Reaction, ...] = ()


class MessageFields(
    FileFields,
    ReactionFields,
    ReplyFields,
    FormattedFields,
    MentionFields,
    ChangeFields,
    PostedFields,
):
    """Every field of a message, in the order of its stored document and cached JSON."""


MESSAGE_FIELDS: tuple[str, ...] = tuple(MessageFields.model_fields)
CHANGE_FIELDS: tuple[str, ...] = tuple(ChangeFields.model_fields)
