from pathlib import Path

import pytest
from quart.typing import ResponseReturnValue

from service_kit.serving.strict_ids import parse_id
from service_kit.serving.web import create_base_app


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


@pytest.mark.parametrize(("path", "status"), [("/things/42", 200), ("/things/" + "9" * 19, 404)])
async def test_an_id_in_a_path_is_matched_only_when_parse_id_reads_it(
    path: str, status: int
) -> None:
    app = create_base_app("sample_svc.app", Path(__file__).parent / "templates")

    @app.get("/things/<id:thing_id>")
    async def thing(thing_id: int) -> ResponseReturnValue:
        return str(thing_id + 1)

    response = await app.test_client().get(path)
    assert response.status_code == status
    if status == 200:
        assert await response.get_data(as_text=True) == "43"
