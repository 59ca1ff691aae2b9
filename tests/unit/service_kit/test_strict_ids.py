import pytest

from service_kit.strict_ids import parse_id


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("42", 42), ("9" * 18, 10**18 - 1)])
def test_ascii_digits_are_ids(value: str, expected: int) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "²", "٣", "1" * 19, "1" * 5000, "-1", "+1", " 1", "1 ", "1\n", "1e3", "0x1", "1_0"],
    ids=repr,
)
def test_anything_else_is_not(value: str | None) -> None:
    assert parse_id(value) is None
