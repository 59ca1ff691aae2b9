"""Whatever a script sends, the API answers a 4xx problem, never a 500: bad JSON, huge
bodies, wrong types, unknown fields, odd query strings and paths, on every documented route
(a hand-made corpus: schemathesis is not installed)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_api import script
from tests.integration.chat_svc.test_api_tokens import create_token

JSON = {"Content-Type": "application/json"}
BAD_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b"{", JSON),
    (b"", JSON),
    (b"null", JSON),
    (b"[]", JSON),
    (b'"body"', JSON),
    (b'{"body": 5}', JSON),
    (b'{"body": null}', JSON),
    (b'{"body": ["a"]}', JSON),
    (b'{"body": {"nested": true}}', JSON),
    (b'{"body": ""}', JSON),
    (b'{"body": "   "}', JSON),
    (b'{"body": "ok", "extra": 1}', JSON),
    (b'{"name": 5, "visibility": "secret"}', JSON),
    (b'{"name": "x", "visibility": "secret"}', JSON),
    (b'{"body": "\\ud800"}', JSON),  # a lone surrogate
    (b'{"body": "' + b"x" * 3000 + b'"}', JSON),  # over the message limit
    (b'{"body": "' + b"x" * 200_000 + b'"}', JSON),  # over the request limit
    (b"[" * 50_000 + b"]" * 50_000, JSON),  # deep nesting
    (b'{"body": "fine"}', {"Content-Type": "text/plain"}),
    (b"body=fine", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"\xff\xfe\x00", JSON),
]
BAD_QUERIES = [
    "before=abc",
    "before=-1",
    "before=0",
    "before=99999999999999999999999",
    "after=1.5",
    "around=",
    "limit=0",
    "limit=1000",
    "before=1&after=1",
    "unknown=1",
    "before=1&before=2",
]
ODD_SEGMENTS = ["%00", "..", "x" * 500, "general%2F..", "GENERAL", "c-" + "0" * 40]


async def test_only_4xx_for_anything_malformed(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app(message_rate_count=10_000)) as base:
        token = await create_token(base, ada)
        async with script(base, token) as api:
            document = (await api.get("/api/v1/openapi.json")).json()
            posted = await api.post("/api/v1/rooms/general/messages", json={"body": "target"})
            message_id = posted.json()["id"]
            answers: list[tuple[str, str, int]] = []
            for path, operations in document["paths"].items():
                url = (
                    path.replace("{slug}", "general")
                    .replace("{message_id}", str(message_id))
                    .replace("{person_id}", "nobody")
                )
                for method, operation in operations.items():
                    verb = method.upper()
                    if "requestBody" in operation:
                        for body, headers in BAD_BODIES:
                            answer = await api.request(verb, url, content=body, headers=headers)
                            answers.append((verb, f"{url} {body[:30]!r}", answer.status_code))
                            assert_problem(answer)
                    if verb == "GET":
                        for query in BAD_QUERIES:
                            answer = await api.get(f"{url}?{query}")
                            answers.append((verb, f"{url}?{query}", answer.status_code))
                            assert answer.status_code < 500, (url, query, answer.text)
                    for segment in ODD_SEGMENTS if "{" in path else ():
                        odd = path.replace("{slug}", segment).replace("{message_id}", segment)
                        odd = odd.replace("{person_id}", segment)
                        answer = await api.request(verb, odd, json={"body": "x"})
                        answers.append((verb, odd, answer.status_code))
                        assert_problem(answer)
            for elsewhere in ("/api/v%00/me", "/api/", "/api/v2/rooms", "/api/v1/rooms/general/x"):
                answer = await api.get(elsewhere)
                answers.append(("GET", elsewhere, answer.status_code))
                assert_problem(answer)
            for huge_id in ("9" * 30, str(2**63)):
                answer = await api.patch(
                    f"/api/v1/rooms/general/messages/{huge_id}", json={"body": "x"}
                )
                assert answer.status_code == 404, answer.text
    refused = [answer for answer in answers if answer[2] >= 500]
    assert not refused, refused
    assert any(status == 413 for _, _, status in answers)
    assert any(status == 422 for _, _, status in answers)


def assert_problem(answer: httpx.Response) -> None:
    assert 400 <= answer.status_code < 500, (
        answer.request.url,
        answer.status_code,
        answer.text[:300],
    )
    assert answer.headers["content-type"] == "application/problem+json", answer.request.url
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == answer.status_code and problem["code"]
