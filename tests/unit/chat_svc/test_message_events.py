"""A message and the events that carry it: every field the page needs survives the trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chat_svc.events import MessageChanged, MessagePosted
from chat_svc.models.messages import MessageRecord, event_of, record_of

POSTED = MessageRecord(
    room="design",
    message_id=7,
    author_id="user-1",
    author_name="Ada",
    body="@Bob see <b>this</b>",
    posted_at=datetime(2026, 11, 28, 5, 0, tzinfo=UTC),
    mentions=("user-2",),
)


def test_a_posted_message_comes_back_from_its_event_unchanged() -> None:
    event = event_of(POSTED, MessagePosted)
    assert event.mentions == ("user-2",) and event.room == "design"
    assert record_of(MessagePosted.model_validate_json(event.to_bytes())) == POSTED


def test_a_change_carries_its_event_id_edit_time_and_deletion() -> None:
    changed = POSTED.model_copy(
        update={
            "event_id": 9,
            "edited_at": datetime(2026, 11, 28, 5, 5, tzinfo=UTC),
            "deleted": True,
            "body": "",
            "mentions": (),
        }
    )
    event = event_of(changed, MessageChanged)
    assert (event.event_id, event.deleted) == (9, True)
    assert record_of(MessageChanged.model_validate_json(event.to_bytes())) == changed


def test_a_change_without_its_event_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        event_of(POSTED, MessageChanged)


def test_a_message_posted_before_mentions_existed_still_decodes() -> None:
    old = (
        b'{"id": "6f1c2a52-4a8e-4d0e-9a43-0f1d8c1f4b11", "occurred_at": "2026-11-01T10:00:00Z",'
        b' "schema_version": 1, "room": "general", "message_id": 7, "author_id": "u1",'
        b' "author_name": "Ada", "body": "hi", "posted_at": "2026-11-01T10:00:00Z"}'
    )
    decoded = MessagePosted.model_validate_json(old)
    assert decoded.mentions == ()
    with_mentions = MessagePosted.model_validate_json(
        MessagePosted(**{**decoded.model_dump(), "mentions": ("u2",)}).to_bytes()
    )
    assert with_mentions.mentions == ("u2",)
