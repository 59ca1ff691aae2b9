from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from service_kit.events import (
    EVENT_BY_SUBJECT,
    EVENT_TYPES,
    MalformedEventError,
    MessagePosted,
    UserCreated,
    decode_event,
)


def test_every_event_type_has_its_own_subject() -> None:
    assert len(EVENT_BY_SUBJECT) == len(EVENT_TYPES)


def test_an_event_survives_the_wire_unchanged() -> None:
    event = UserCreated(user_id="u1", email="ada@example.com", display_name="Ada")
    decoded = decode_event(UserCreated.SUBJECT, event.to_bytes())
    assert decoded == event
    assert decoded.occurred_at.tzinfo is not None
    assert decoded.schema_version == 1


def test_events_are_frozen() -> None:
    event = UserCreated(user_id="u1", email="ada@example.com", display_name="Ada")
    with pytest.raises(ValidationError):
        event.user_id = "u2"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("subject", "payload"),
    [
        ("auth.user.created", b"not json"),
        ("auth.user.created", b'{"user_id": "u1"}'),
        ("auth.unknown.thing", b"{}"),
    ],
)
def test_malformed_payloads_are_refused(subject: str, payload: bytes) -> None:
    with pytest.raises(MalformedEventError):
        decode_event(subject, payload)


def test_occurred_at_defaults_to_now_in_utc() -> None:
    before = datetime.now(UTC)
    event = UserCreated(user_id="u1", email="ada@example.com", display_name="Ada")
    assert before <= event.occurred_at <= datetime.now(UTC)


def test_a_malformed_event_error_never_quotes_the_input() -> None:
    payload = (
        b'{"user_id": "u1", "email": "https://x/set-password?token=SECRET", "display_name": 1}'
    )
    with pytest.raises(MalformedEventError) as raised:
        decode_event(UserCreated.SUBJECT, payload)
    assert "SECRET" not in str(raised.value)
    assert "email" in str(raised.value)


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
