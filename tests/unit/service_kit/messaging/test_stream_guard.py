"""What makes a stream differ from its declaration (service_kit/messaging/stream_guard.py)."""

import dataclasses
from typing import Any

from nats.js.api import RePublish, StreamSource, SubjectTransform

from service_kit.messaging.jetstream import load_topology
from service_kit.messaging.stream_guard import config_differences

DECLARED = load_topology(replicas=3).streams[0]


def test_a_stream_as_declared_has_no_differences() -> None:
    # The server answers durations as floats.
    found = dataclasses.replace(DECLARED, max_age=float(DECLARED.max_age or 0))
    assert config_differences(DECLARED, found) == []


def test_every_copy_in_or_out_and_every_declared_field_is_a_difference() -> None:
    changes: dict[str, Any] = {
        "mirror": StreamSource(name="CHAT_EVENTS"),
        "sources": [StreamSource(name="CHAT_EVENTS")],
        "republish": RePublish(src="auth.>", dest="leak.>"),
        "subject_transform": SubjectTransform(src="auth.>", dest="moved.>"),
        "subjects": ["auth.>", "chat.>"],
        "num_replicas": 1,
        "max_age": 1.0,
    }
    for name, value in changes.items():
        [problem] = config_differences(DECLARED, dataclasses.replace(DECLARED, **{name: value}))
        assert problem.startswith(f"{name} is"), problem
