import pytest

from service_kit.people.sign_in_state import new_sign_in_state, states_match, valid_sign_in_state
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
