"""``GET /api/v1/events`` without ``room``: every room of the token's person on one
connection, following joins and leaves, resuming each room exactly from one Last-Event-ID,
and ending when the token is revoked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse

from chat_svc.api.room_positions import parse_positions
from chat_svc.tokens.token_records import ApiToken
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.integration.chat_svc.test_api import script
from tests.integration.chat_svc.test_api_tokens import create_token
from tests.integration.chat_svc.test_streams import next_event, signed_in_client

Events = AsyncIterator[ServerSentEvent]


async def post(api: httpx.AsyncClient, room: str, body: str) -> None:
    answer = await api.post(f"/api/v1/rooms/{room}/messages", json={"body": body})
    assert answer.status_code == 201, answer.text


async def rooms_event(events: Events) -> list[str]:
    seen = await next_event(events)
    assert seen is not None and seen.event == "rooms", seen
    positions = parse_positions(seen.id)
    rooms: list[str] = json.loads(seen.data)
    assert positions is not None and sorted(positions) == rooms  # every room has a position
    return rooms


async def messages_until(events: Events, last_body: str) -> list[tuple[str, str, str]]:
    """(room, body, id) of each message event up to the one saying ``last_body``."""
    seen: list[tuple[str, str, str]] = []
    while not seen or seen[-1][1] != last_body:
        event = await next_event(events)
        assert event is not None and event.event == "message", event
        message = json.loads(event.data)
        seen.append((message["room"], message["body"], event.id))
    return seen


async def browser_action(base: str, person: FakeSession, path: str) -> None:
    async with signed_in_client(base, person) as browser:
        page = await browser.get("/rooms/general")
        done = await browser.post(path, data={"csrf_token": csrf_token_in(page.text)})
        assert done.status_code == 303, done.text


async def test_one_connection_carries_every_room_resumes_each_exactly_and_follows_joins_and_leaves(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, grace = fake_auth.sign_in("Ada"), fake_auth.sign_in("Grace")
    async with serve(make_chat_app()) as base:
        adas, graces = await create_token(base, ada), await create_token(base, grace)
        async with script(base, adas) as api, script(base, graces) as other:
            created = await other.post("/api/v1/rooms", json={"name": "Ops"})
            ops = created.json()["slug"]
            async with aconnect_sse(api, "GET", "/api/v1/events") as source:
                events = source.aiter_sse()
                assert await rooms_event(events) == ["general"]
                await browser_action(base, ada, f"/rooms/{ops}/join")
                assert await rooms_event(events) == sorted(["general", ops])
                await post(other, ops, "o1")
                await post(api, "general", "g1")
                first = await messages_until(events, "g1")
                if len(first) == 1:  # the rooms' events interleave in any order
                    first += await messages_until(events, "o1")
                assert sorted((room, body) for room, body, _ in first) == [
                    ("general", "g1"),
                    (ops, "o1"),
                ]
                held = max(first, key=lambda seen: sum((parse_positions(seen[2]) or {}).values()))[
                    2
                ]
            # A gap in both rooms, then one Last-Event-ID brings exactly what each missed.
            await post(other, ops, "o2")
            await post(api, "general", "g2")
            await post(api, "general", "g3")
            resumed = {"Last-Event-ID": held}
            async with aconnect_sse(api, "GET", "/api/v1/events", headers=resumed) as source:
                events = source.aiter_sse()
                assert await rooms_event(events) == sorted(["general", ops])
                missed = await messages_until(events, "g3")
                if (ops, "o2") not in [(room, body) for room, body, _ in missed]:
                    missed += await messages_until(events, "o2")
                await post(other, ops, "o3")
                missed += await messages_until(events, "o3")
                bodies = [(room, body) for room, body, _ in missed]
                assert sorted(bodies) == sorted(
                    [("general", "g2"), ("general", "g3"), (ops, "o2"), (ops, "o3")]
                )
                assert [b for r, b in bodies if r == "general"] == ["g2", "g3"]
                # A room the person left stops; the others go on.
                await browser_action(base, ada, f"/rooms/{ops}/leave")
                assert await rooms_event(events) == ["general"]
                await post(other, ops, "o4")
                await post(api, "general", "g4")
                after_leaving = await messages_until(events, "g4")
                assert [body for _, body, _ in after_leaving] == ["g4"]
                assert ops not in (parse_positions(after_leaving[0][2]) or {})


async def test_a_revoked_tokens_stream_of_every_room_ends(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app(heartbeat_seconds=0.5)) as base:
        token = await create_token(base, ada)
        async with script(base, token) as api, aconnect_sse(api, "GET", "/api/v1/events") as source:
            events = source.aiter_sse()
            assert await rooms_event(events) == ["general"]
            (stored,) = await ApiToken.find_all().to_list()
            await browser_action(base, ada, f"/settings/tokens/{stored.token_id}/revoke")
            assert await next_event(events) is None  # ended, by the next heartbeat or so
