"""What may be a reaction (one emoji, pasted or by short name) and how "who reacted" reads."""

from __future__ import annotations

import pytest

from chat_svc.models.message_shape import Reactor
from chat_svc.reactions.emoji_choice import NotAnEmojiError, emoji_of
from chat_svc.reactions.reaction_text import who_reacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":tada:", "🎉"),
        (" :thumbsup: ", "👍"),  # an alias, spaces trimmed
        ("👍🏽", "👍🏽"),  # a skin tone
        ("👨‍👩‍👧", "👨‍👩‍👧"),  # joined by zero-width joiners: still one emoji
        ("❤️", "❤️"),
    ],
)
def test_one_emoji_pasted_or_named_is_a_reaction(text: str, expected: str) -> None:
    assert emoji_of(text) == expected


@pytest.mark.parametrize(
    "text", ["", "ok", ":no_such_emoji:", "👍👍", "a👍", "<script>", "::", ":tada:" * 20]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(NotAnEmojiError, match="one emoji"):
        emoji_of(text)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Ann"], "Ann"),
        (["Ann", "Bob"], "Ann and Bob"),
        (["Ann", "Bob", "Cy"], "Ann, Bob and Cy"),
        (["Ann", "Bob", "Cy", "Dee", "Eve"], "Ann, Bob and 3 others"),
    ],
)
def test_who_reacted_names_the_first_two_then_counts(names: list[str], expected: str) -> None:
    people = [Reactor(user_id=f"user-{n}", name=name) for n, name in enumerate(names)]
    assert who_reacted(people) == expected
