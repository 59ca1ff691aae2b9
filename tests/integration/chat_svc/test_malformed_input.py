"""Issue 16 item 8: malformed numbers and paths get a clear answer, never a 500 or an
aborted stream."""

from __future__ import annotations

import pytest

from tests.integration.chat_svc.conftest import AppFactory, serve, sign_in_state
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_streams import next_ids, open_stream, post, signed_in_client

BAD_IDS = ["²", "٣", "1" * 5000, "-1", "+1", " 1", "1e3", "0x10", "1" * 19, ""]


@pytest.mark.parametrize("before", BAD_IDS, ids=lambda v: repr(v[:8]))
async def test_a_malformed_before_is_a_400_page(
    make_chat_app: AppFactory, fake_auth: FakeAuth, before: str
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        response = await client.get("/messages", query_string={"before": before})
    assert response.status_code == 400
    assert "<html" in await response.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["²", "1" * 5000, "1" * 19])
async def test_a_malformed_resume_point_starts_the_stream_from_the_latest(
    make_chat_app: AppFactory, fake_auth: FakeAuth, bad: str
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base, signed_in_client(base, ada) as poster:
        await post(poster, "before the stream")
        for query, last_event_id in ((f"?after={bad}", None), ("", bad)):
            async with open_stream(base, ada.token, query, last_event_id) as (response, events):
                assert response.status_code == 200
                await post(poster, "live")
                [live_id] = await next_ids(events, 1)  # nothing replayed, then live
                assert live_id > 1


@pytest.mark.parametrize("control", ["\x0b", "\x00", "\x7f", "\t"], ids=repr)
async def test_a_next_path_with_a_control_character_is_replaced_not_a_500(
    make_chat_app: AppFactory, fake_auth: FakeAuth, control: str
) -> None:
    session = fake_auth.sign_in("Ada")
    async with make_chat_app().test_app() as test_app:
        client = test_app.test_client()
        state = await sign_in_state(client)
        code = fake_auth.hand_off_code(session)
        response = await client.get(
            "/session/start", query_string={"code": code, "state": state, "next": f"/{control}x"}
        )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
