from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from service_kit.events import (
    EVENT_BY_SUBJECT,
    EVENT_TYPES,
    MalformedEventError,
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
