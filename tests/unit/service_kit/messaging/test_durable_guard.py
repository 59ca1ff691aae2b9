"""What makes a durable consumer differ from its declaration
(service_kit/messaging/durable_guard.py)."""

import dataclasses
from typing import Any

from service_kit.messaging.durable_guard import durable_differences
from service_kit.messaging.jetstream import load_topology

STREAM, DECLARED = load_topology().consumers["mail_svc"]


def test_a_durable_as_declared_has_no_differences() -> None:
    # The server answers durations as floats and may give one filter as filter_subject.
    found = dataclasses.replace(DECLARED, ack_wait=float(DECLARED.ack_wait or 0))
    assert durable_differences(DECLARED, found) == []
    only = (load_topology().consumers["chat_svc_users"][1].filter_subjects or [""])[0]
    declared_one = dataclasses.replace(DECLARED, filter_subjects=[only])
    given_alone = dataclasses.replace(DECLARED, filter_subjects=None, filter_subject=only)
    assert durable_differences(declared_one, given_alone) == []


def test_a_broader_or_extra_filter_is_a_difference() -> None:
    declared = sorted(DECLARED.filter_subjects or [])
    for filters in (["auth.>"], [*declared, "auth.user.created"], declared[1:]):
        found = dataclasses.replace(DECLARED, filter_subjects=filters)
        [problem] = durable_differences(DECLARED, found)
        assert problem.startswith("filter subjects are"), problem
    also_one = dataclasses.replace(DECLARED, filter_subject="auth.user.created")
    assert len(durable_differences(DECLARED, also_one)) == 1


def test_every_declared_field_and_every_unexpected_setting_is_a_difference() -> None:
    changes: dict[str, Any] = {
        "description": None,
        "deliver_policy": "new",
        "ack_policy": "none",
        "replay_policy": "original",
        "ack_wait": 1.0,
        "max_deliver": -1,
        "max_ack_pending": 100_000,
        "deliver_subject": "_INBOX_chat.leak",
        "deliver_group": "leak",
        "headers_only": True,
        "backoff": [1.0],
        "inactive_threshold": 5.0,
        "opt_start_seq": 10,
    }
    for name, value in changes.items():
        found = dataclasses.replace(DECLARED, **{name: value})
        [problem] = durable_differences(DECLARED, found)
        assert problem.startswith(f"{name} is"), problem
