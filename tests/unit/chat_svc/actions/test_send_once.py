"""The draft key a message form carries, and the heartbeat the page listens for."""

from __future__ import annotations

from chat_svc.actions.send_once import valid_client_id
from chat_svc.live.sse_frames import HEARTBEAT
from chat_svc.web.forms import new_client_id


def test_a_fresh_form_key_is_accepted_and_odd_input_means_no_de_duplication() -> None:
    key = new_client_id()
    assert valid_client_id(key) == key
    assert valid_client_id("0b6a3f6e-3a1c-4e0e-9d6f-1f2a3b4c5d6e") is not None  # randomUUID()
    for odd in (None, "", "short", "x" * 32, "a" * 65, "abc:def" * 4):
        assert valid_client_id(odd) is None


def test_the_heartbeat_is_an_event_a_page_can_hear() -> None:
    # A comment line (": …") never reaches an EventSource listener.
    assert HEARTBEAT.startswith(b"event: heartbeat\n") and HEARTBEAT.endswith(b"\n\n")
    assert b"\ndata:" in HEARTBEAT  # an event without data is never dispatched
