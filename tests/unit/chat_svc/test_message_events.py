"""A message and the events that carry it: every field the page needs survives the trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chat_svc.models.messages import MessageRecord, event_of, record_of
from service_kit.events import MessageChanged, MessagePosted

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
