"""Room names as typed, their slugs, and direct rooms' slugs."""

from __future__ import annotations

import pytest

from chat_svc.actions.direct_rooms import direct_slug
from chat_svc.actions.room_names import clean_name, is_slug, name_key, numbered_slug, slug_for


def test_a_name_is_trimmed_and_composed_like_a_display_name() -> None:
    assert clean_name("  Launch   plans\t") == "Launch plans"
    assert clean_name("Cafe\u0301") == "Caf\u00e9"
    assert clean_name(None) == ""
    assert name_key("Launch Plans") == name_key("LAUNCH plans")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Design reviews", "design-reviews"),
        ("Café & Crème", "cafe-creme"),
        ('<script>alert("x")</script>', "script-alert-x-script"),
        ("日本語", "room"),  # nothing left in ASCII
        ("dm-notes", "room-dm-notes"),  # direct rooms own the prefix
        ("x" * 80, "x" * 40),
    ],
)
def test_a_slug_is_lower_case_ascii_words(name: str, slug: str) -> None:
    assert slug_for(name) == slug
    assert is_slug(slug)


def test_colliding_slugs_are_numbered() -> None:
    assert [numbered_slug("ops", n) for n in (1, 2, 3)] == ["ops", "ops-2", "ops-3"]


def test_a_direct_room_is_the_same_from_either_side_and_differs_per_pair() -> None:
    assert direct_slug("u-ada", "u-bob") == direct_slug("u-bob", "u-ada")
    assert direct_slug("u-ada", "u-bob") != direct_slug("u-ada", "u-eve")
    assert direct_slug("u-ada", "u-bob").startswith("dm-")
    assert is_slug(direct_slug("u-ada", "u-ada"))


@pytest.mark.parametrize("value", ["", "General", "a/b", "../x", "a b", "-x", "x" * 65])
def test_only_plain_slugs_reach_the_store_redis_and_nats(value: str) -> None:
    assert not is_slug(value)
