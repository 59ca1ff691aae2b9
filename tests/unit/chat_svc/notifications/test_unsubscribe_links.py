"""The per-person unsubscribe link: opens for its person only, and not when altered."""

from __future__ import annotations

import pytest

from chat_svc.notifications.unsubscribe_links import SealBrokenError, UnsubscribeLinks
from service_kit.people.sealed_links import LinkSeal

SECRET = "a-test-secret-that-is-long-enough-0123456789"
LINKS = UnsubscribeLinks(SECRET, "https://chat.example.test/")


def token_of(link: str) -> str:
    prefix = "https://chat.example.test/unsubscribe/mentions/"
    assert link.startswith(prefix)
    return link.removeprefix(prefix)


def test_a_link_names_its_person_without_showing_the_id() -> None:
    link = LINKS.link_for("user-1234")
    assert "user-1234" not in link
    assert LINKS.user_in(token_of(link)) == "user-1234"
    assert LINKS.link_for("user-1234") != link  # a fresh nonce each time, both valid


@pytest.mark.parametrize("position", [3, 10, -3])
def test_a_tampered_token_does_not_open(position: int) -> None:
    # -3 is the last character before "==": its low bits are unused by base64 and once
    # let one token in eight decode unchanged; many fresh tokens make that case certain.
    for _ in range(64):
        assert_tampered_token_is_refused(position)


def assert_tampered_token_is_refused(position: int) -> None:
    token = token_of(LINKS.link_for("user-1234"))
    index = position % len(token)
    swapped = "A" if token[index] != "A" else "B"
    tampered = token[:index] + swapped + token[index + 1 :]
    with pytest.raises(SealBrokenError):
        LINKS.user_in(tampered)


@pytest.mark.parametrize("token", ["", "v1.", "v2.abc", "garbage", "v1.!!!"])
def test_garbage_does_not_open(token: str) -> None:
    with pytest.raises(SealBrokenError):
        LINKS.user_in(token)


def test_another_key_or_purpose_does_not_open_it() -> None:
    token = token_of(LINKS.link_for("user-1234"))
    with pytest.raises(SealBrokenError):
        UnsubscribeLinks(SECRET + "x", "https://chat.example.test").user_in(token)
    # The same secret sealing for account links derives another key.
    with pytest.raises(SealBrokenError):
        LinkSeal(SECRET).open(token, b"mention-emails-off")
