"""The HTTP API with a personal token: the same actions and rules as the pages, problem
details for errors, an OpenAPI document every route of which answers as documented."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs installed
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chat_svc.api.api_reference import schema_name
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_api_tokens import create_token
from tests.integration.chat_svc.test_streams import next_event, open_stream, signed_in_client


def script(base_url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"})


async def test_a_script_posts_edits_and_deletes_and_an_open_page_sees_each_live(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, grace = fake_auth.sign_in("Ada"), fake_auth.sign_in("Grace")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        open_stream(second, grace.token, "?after=0") as (_, page_events),
    ):
        token = await create_token(first, ada)
        async with script(first, token) as api:
            me = (await api.get("/api/v1/me")).json()
            assert me["name"] == "Ada" and me["email"] == "ada@example.com"
            rooms = (await api.get("/api/v1/rooms")).json()["rooms"]
            assert {"slug": "general", "name": "general", "kind": "open", "member": True} in rooms
            posted = await api.post("/api/v1/rooms/general/messages", json={"body": "from CI"})
            assert posted.status_code == 201, posted.text
            message = posted.json()
            assert message["body"] == "from CI" and message["author"]["name"] == "Ada"
            assert message["author"]["id"] == me["id"]
            seen = await next_event(page_events)
            assert seen is not None and seen.event == "message" and "from CI" in seen.data
            assert int(seen.id) == message["id"]

            path = f"/api/v1/rooms/general/messages/{message['id']}"
            edited = await api.patch(path, json={"body": "from CI, edited"})
            assert edited.status_code == 200 and edited.json()["edited_at"]
            seen = await next_event(page_events)
            assert seen is not None and "from CI, edited" in seen.data

            assert (await api.delete(path)).status_code == 204
            seen = await next_event(page_events)
            assert seen is not None and "from CI" not in seen.data
            assert (await api.delete(path)).status_code == 404

            listed = (await api.get("/api/v1/rooms/general/messages")).json()
            assert [m["deleted"] for m in listed["messages"]] == [True]


async def test_a_token_of_someone_who_left_a_closed_room_gets_404_for_it(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base:
        token = await create_token(base, ada)
        async with script(base, token) as api:
            created = await api.post("/api/v1/rooms", json={"name": "Ops", "visibility": "closed"})
            assert created.status_code == 201, created.text
            slug = created.json()["slug"]
            assert (await api.post("/api/v1/rooms", json={"name": "Ops"})).status_code == 409
            said = await api.post(f"/api/v1/rooms/{slug}/messages", json={"body": "hi"})
            assert said.status_code == 201
            async with signed_in_client(base, ada) as browser:
                page = await browser.get(f"/rooms/{slug}")
                left = await browser.post(
                    f"/rooms/{slug}/leave", data={"csrf_token": csrf_token_in(page.text)}
                )
                assert left.status_code == 303
            for method, path, body in [
                ("GET", f"/api/v1/rooms/{slug}", None),
                ("GET", f"/api/v1/rooms/{slug}/messages", None),
                ("POST", f"/api/v1/rooms/{slug}/messages", {"body": "still?"}),
                ("PATCH", f"/api/v1/rooms/{slug}/messages/{said.json()['id']}", {"body": "x"}),
            ]:
                response = await api.request(method, path, json=body)
                assert response.status_code == 404, (method, path, response.text)
                assert response.json()["code"] == "room_not_found"
                missing = await api.request(method, path.replace(slug, "c-nosuchroom"), json=body)
                assert missing.json() == response.json()  # hidden looks like missing


async def test_the_openapi_document_validates_and_every_route_in_it_answers_as_documented(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base:
        token = await create_token(base, ada)
        async with script(base, token) as api, httpx.AsyncClient(base_url=base) as anonymous:
            document = (await anonymous.get("/api/v1/openapi.json")).json()
            validate(document)
            reference = await anonymous.get("/api/v1/reference")
            assert reference.status_code == 200
            # The stream is documented where tools that call every path do not look.
            assert "/api/v1/events" in document["x-event-streams"]
            assert "/api/v1/events" not in document["paths"]
            assert "general:105,ops:88" in reference.text
            me = (await api.get("/api/v1/me")).json()
            posted = await api.post("/api/v1/rooms/general/messages", json={"body": "first"})
            values = {"slug": "general", "message_id": posted.json()["id"], "person_id": me["id"]}
            bodies = {"MessageIn": {"body": "walked"}, "RoomIn": {"name": "Walked"}}
            walked = []
            # Deletions last: they remove what the other routes read.
            operations = sorted(
                (
                    (path, method, op)
                    for path, ops in document["paths"].items()
                    for method, op in ops.items()
                ),
                key=lambda found: found[1] == "delete",
            )
            for path, method, operation in operations:
                assert operation["summary"], f"{method} {path} is not described"
                assert path in reference.text
                url = path.replace("{", "").replace("}", "")
                for name, value in values.items():
                    url = url.replace(name, str(value))
                body = None
                if "requestBody" in operation:
                    schema = operation["requestBody"]["content"]["application/json"]["schema"]
                    body = bodies[schema_name(schema)]
                answer = await api.request(method.upper(), url, json=body)
                documented = operation["responses"]
                assert str(answer.status_code) in documented or answer.status_code == 204, (
                    method,
                    path,
                    answer.status_code,
                    answer.text,
                )
                if answer.status_code != 204:
                    (media_type,) = documented[str(answer.status_code)]["content"]
                    assert answer.headers["content-type"] == media_type
                    assert_matches(answer.json(), documented[str(answer.status_code)], document)
                refused = await anonymous.request(method.upper(), url, json=body)
                assert refused.status_code == 401 and "401" in documented
                walked.append((method, path, answer.status_code))
            assert len(walked) >= 9, walked
            assert all(status < 300 for _, _, status in walked), walked


def assert_matches(value: Any, response: dict[str, Any], document: dict[str, Any]) -> None:
    """``value`` is valid against the response's schema (with the document's components)."""

    (content,) = response["content"].values()
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    schema = json.loads(
        json.dumps(content["schema"]).replace('"#/components', '"urn:api#/components')
    )
    Draft202012Validator(schema, registry=registry).validate(value)


async def test_the_pages_rules_answer_as_problems_with_stable_codes(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, bob = fake_auth.sign_in("Ada"), fake_auth.sign_in("Bob")
    async with serve(make_chat_app(message_rate_count=2, message_edit_minutes=0)) as base:
        adas, bobs = await create_token(base, ada), await create_token(base, bob)
        async with script(base, adas) as api, script(base, bobs) as other:
            room = (await api.post("/api/v1/rooms", json={"name": "Ops"})).json()["slug"]
            outsider = await other.post(f"/api/v1/rooms/{room}/messages", json={"body": "hi"})
            assert (outsider.status_code, outsider.json()["code"]) == (403, "not_a_member")
            first = await api.post(f"/api/v1/rooms/{room}/messages", json={"body": "one"})
            assert first.status_code == 201
            path = f"/api/v1/rooms/{room}/messages/{first.json()['id']}"
            late = await api.patch(path, json={"body": "edited"})
            assert (late.status_code, late.json()["code"]) == (403, "edit_window_closed")
            theirs = await other.delete(path)
            assert (theirs.status_code, theirs.json()["code"]) == (403, "not_a_member")
            await api.post(f"/api/v1/rooms/{room}/messages", json={"body": "two"})
            fast = await api.post(f"/api/v1/rooms/{room}/messages", json={"body": "three"})
            assert (fast.status_code, fast.json()["code"]) == (429, "rate_limited")
            assert int(fast.headers["retry-after"]) >= 1
            too_long = await api.post("/api/v1/rooms/general/messages", json={"body": "x" * 2001})
            assert (too_long.status_code, too_long.json()["code"]) == (422, "body_too_long")


async def test_the_event_stream_sends_json_with_the_pages_ids_and_resumes(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    limited = make_chat_app(streams_per_address=1)
    async with serve(make_chat_app()) as first, serve(limited) as second:
        token = await create_token(first, ada)
        async with script(first, token) as api, script(second, token) as listener:
            async with aconnect_sse(listener, "GET", "/api/v1/events?room=general") as source:
                assert source.response.headers["content-type"].startswith("text/event-stream")
                another = await listener.get("/api/v1/events", timeout=5)  # the page's limits
                assert (another.status_code, another.json()["code"]) == (429, "too_many_streams")
                events = source.aiter_sse()
                posted = (
                    await api.post("/api/v1/rooms/general/messages", json={"body": "a"})
                ).json()
                seen = await next_event(events)
                assert seen is not None and seen.event == "message"
                assert json.loads(seen.data) == posted and int(seen.id) == posted["id"]
                path = f"/api/v1/rooms/general/messages/{posted['id']}"
                await api.patch(path, json={"body": "a, edited"})
                changed = await next_event(events)
                assert changed is not None and changed.event == "message-changed"
                assert json.loads(changed.data)["body"] == "a, edited"
            later = (await api.post("/api/v1/rooms/general/messages", json={"body": "b"})).json()
            resumed = {"Last-Event-ID": changed.id}
            async with aconnect_sse(
                listener, "GET", "/api/v1/events?room=general", headers=resumed
            ) as source:
                missed = await next_event(source.aiter_sse())
                assert missed is not None and json.loads(missed.data) == later
            anonymous = await listener.get("/api/v1/events", headers={"Authorization": ""})
            assert anonymous.status_code == 401
            hidden = await listener.get("/api/v1/events?room=c-nosuchroom")
            assert hidden.status_code == 404
