"""Recognising ``@Display Name`` mentions of a room's members."""

from __future__ import annotations

import pytest

from chat_svc.actions.mentions import find_mentions, suggest_members, without_tags
from chat_svc.models.messages import account_handle

MEMBERS = [
    ("u-ann", "Ann"),
    ("u-ann-lee", "Ann Lee"),
    ("u-bob", "Bob"),
    ("u-ops", "Zoë (ops)"),
    ("u-rtl", "שרה כהן"),
    ("u-dot", "J.R."),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@Ann Lee hi", ("u-ann-lee",)),  # the longest name wins
        ("@Ann, hi", ("u-ann",)),
        ("@Ann Leeds hi", ("u-ann",)),  # "Ann Lee" does not end a word here
        ("@ann lee and @BOB", ("u-ann-lee", "u-bob")),  # case-insensitive
        ("@Annabel hi", ()),  # a name ends at a word boundary
        ("@Bob_ hi", ()),  # "_" is part of a word
        ("mail ann@example.com", ()),  # an @ inside a word starts nothing
        ("@Bob @Ann Lee @Bob @bob", ("u-bob", "u-ann-lee")),  # first appearance, once
        ("hello everyone", ()),
        ("@Carol hi", ()),  # not a member
        ("@ Ann", ()),
        ("(@Bob)", ("u-bob",)),
        ("ask @Zoë (ops)!", ("u-ops",)),  # spaces and punctuation in a name
        ("ask @zoë (ops)x", ("u-ops",)),  # a name ending in punctuation ends a word itself
        ("@J.R. said", ("u-dot",)),
        ("שלום @שרה כהן!", ("u-rtl",)),  # right-to-left
        ("@@Bob", ("u-bob",)),
        ("@Bob", ("u-bob",)),
        ("@", ()),
    ],
)
def test_mentions_are_recognised(body: str, expected: tuple[str, ...]) -> None:
    assert find_mentions(body, MEMBERS) == expected


def test_no_members_mentions_nobody() -> None:
    assert find_mentions("@Ann Lee hi", []) == ()


def test_the_author_may_mention_themself_and_blank_names_are_ignored() -> None:
    members = [("u-me", "Me Myself"), ("u-blank", "   ")]
    assert find_mentions("note to @me myself", members) == ("u-me",)
    assert find_mentions("@ hello", members) == ()


def test_two_members_with_the_same_name_are_both_mentioned() -> None:
    members = [("u-1", "Alex"), ("u-2", "alex")]
    assert find_mentions("@Alex look", members) == ("u-1", "u-2")


def test_suggestions_start_with_what_was_typed_then_match_a_later_word() -> None:
    members = [("u-1", "Ann Lee"), ("u-2", "Bob Annis"), ("u-3", "annette"), ("u-4", "Carl")]
    assert suggest_members(members, "ann", 10) == [
        ("u-1", "Ann Lee"),
        ("u-3", "annette"),
        ("u-2", "Bob Annis"),
    ]
    assert suggest_members(members, "ANN L", 10) == [("u-1", "Ann Lee")]
    assert suggest_members(members, "", 2) == [("u-1", "Ann Lee"), ("u-2", "Bob Annis")]
    assert suggest_members(members, "zed", 10) == []


def test_a_name_with_its_account_tag_mentions_exactly_that_person() -> None:
    twins = [("u1", "Ann Lee"), ("u2", "Ann Lee"), ("u3", "Bob")]
    second = account_handle("u2")
    assert find_mentions(f"@Ann Lee~{second} and @Bob, see this", twins) == ("u2", "u3")
    assert find_mentions(f"@ann lee~{second}!", twins) == ("u2",)
    # A tag that is no one's of that name: both, as without a tag.
    assert find_mentions("@Ann Lee~0000 hi", twins) == ("u1", "u2")


def test_the_page_shows_the_name_without_the_tag() -> None:
    second = account_handle("u2")
    body = f"@Ann Lee~{second}: look at ~{second}"
    assert without_tags(body, ["u2"]) == f"@Ann Lee: look at ~{second}"
    assert without_tags(body, []) == body  # only a mentioned person's tag goes
