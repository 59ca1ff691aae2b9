"""The four shapes of a message derive from one field set (models/message_shape.py): none
may grow a field the others lack, nor give a shared field another type."""

from __future__ import annotations

from typing import Any

import pytest
from beanie import Document
from pydantic import BaseModel

from chat_svc.events import MessageChanged, MessagePosted
from chat_svc.models.message_shape import CHANGE_FIELDS, MESSAGE_FIELDS, MessageFields
from chat_svc.models.messages import ChatMessage, MessageRecord
from service_kit.events import Event

POSTED_FIELDS = tuple(name for name in MESSAGE_FIELDS if name not in CHANGE_FIELDS)

# Each shape, what it adds around the message (beanie's id, an event's id and time) and the
# message fields it must hold, in order: the record's order is its cached JSON's
# (actions/post_intake.py splices the id after the room) and the document's is beanie's.
SHAPES: list[tuple[type[BaseModel], type[BaseModel], tuple[str, ...]]] = [
    (ChatMessage, Document, MESSAGE_FIELDS),
    (MessageRecord, BaseModel, MESSAGE_FIELDS),
    (MessagePosted, Event, POSTED_FIELDS),
    (MessageChanged, Event, MESSAGE_FIELDS),
]
# A change always has what a message that was never changed lacks (a change of reactions
# has no edited_at: chat_svc/reactions/).
NARROWED = {(MessageChanged, "event_id")}


def own_fields(shape: type[BaseModel], envelope: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name in shape.model_fields if name not in envelope.model_fields)


@pytest.mark.parametrize(("shape", "envelope", "expected"), SHAPES)
def test_each_shape_holds_the_message_fields_and_no_other(
    shape: type[BaseModel], envelope: type[BaseModel], expected: tuple[str, ...]
) -> None:
    assert own_fields(shape, envelope) == expected


@pytest.mark.parametrize(("shape", "envelope", "expected"), SHAPES)
def test_each_field_has_the_type_and_default_of_the_field_set(
    shape: type[BaseModel], envelope: type[BaseModel], expected: tuple[str, ...]
) -> None:
    declared = MessageFields.model_fields
    for name in expected:
        field, defined = shape.model_fields[name], declared[name]
        if (shape, name) in NARROWED:
            assert field.annotation | None == defined.annotation  # type: ignore[operator]
            assert field.is_required()
            continue
        found: tuple[Any, ...] = (field.annotation, field.default, field.is_required())
        assert found == (defined.annotation, defined.default, defined.is_required()), name
