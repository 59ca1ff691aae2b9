import pytest

from service_kit.people.sign_in_state import (
    PENDING_STATES_KEPT,
    new_sign_in_state,
    pending_states,
    state_is_pending,
    states_match,
    valid_sign_in_state,
    with_new_state,
    without_state,
)
from service_kit.serving.request_safety import origin_of


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Chat.Example/auth", "https://chat.example"),
        ("http://127.0.0.1:8001/sign-in?x=1", "http://127.0.0.1:8001"),
        ("null", None),
        ("javascript:alert(1)", None),
        ("//chat.example/x", None),
        ("", None),
    ],
)
def test_origin_of(url: str, expected: str | None) -> None:
    assert origin_of(url) == expected


def test_sign_in_states_match_only_themselves() -> None:
    state = new_sign_in_state()
    assert valid_sign_in_state(state) == state
    assert states_match(state, state)
    assert not states_match(state, new_sign_in_state())
    assert not states_match(None, state)
    assert not states_match("short", "short")
    assert valid_sign_in_state(state + "\n") is None


def test_a_browser_keeps_its_last_few_sign_ins_pending_and_spends_each_once() -> None:
    states = [new_sign_in_state() for _ in range(PENDING_STATES_KEPT + 1)]
    cookie: str | None = None
    for state in states:
        cookie = with_new_state(cookie, state)
    assert pending_states(cookie) == states[::-1][:PENDING_STATES_KEPT]
    assert not state_is_pending(states[0], cookie)  # the oldest went first
    assert all(state_is_pending(state, cookie) for state in states[1:])
    assert not state_is_pending(new_sign_in_state(), cookie)
    spent = without_state(cookie, states[2])
    assert not state_is_pending(states[2], spent)
    assert state_is_pending(states[3], spent)
    assert without_state(spent, new_sign_in_state()) == spent
    assert without_state(with_new_state(None, states[0]), states[0]) is None


def test_a_forged_state_cookie_adds_nothing_that_matches() -> None:
    state = new_sign_in_state()
    forged = f"short.{state}\n.{'x' * 65}"
    assert pending_states(forged) == []
    assert not state_is_pending(state, forged)
    assert not state_is_pending("", "")
