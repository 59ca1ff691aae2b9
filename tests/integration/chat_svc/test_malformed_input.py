"""Issue 16 item 8: malformed numbers and paths get a clear answer, never a 500 or an
aborted stream."""

from __future__ import annotations

import re
from typing import Any

import pytest
from quart import Quart
from werkzeug.routing.converters import FloatConverter, IntegerConverter

from auth_svc.app import create_app as create_auth_app
from auth_svc.settings import AuthSettings
from chat_svc.tokens.token_runtime import tokens_of
from mail_svc.app import create_app as create_mail_app
from mail_svc.settings import MailSettings
from service_kit.serving.strict_ids import IdConverter
from tests.integration.chat_svc.conftest import AppFactory, serve, sign_in_state
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import sign_in
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


# Issue 29 item 6: ids in paths that int() reads but MongoDB cannot store (2**63) were a 500.
PATH_IDS = ["0", "-1", str(2**63), str(10**30), "²"]
NUMERIC_CONVERTERS = (IntegerConverter, FloatConverter)


def every_service_app(make_chat_app: AppFactory, env: dict[str, Any]) -> list[Quart]:
    return [
        make_chat_app(),
        create_auth_app(AuthSettings(**env)),
        create_mail_app(MailSettings(**env)),
    ]


async def test_every_id_in_every_path_is_read_strictly(
    make_chat_app: AppFactory, fake_auth: FakeAuth, infrastructure_env: dict[str, Any]
) -> None:
    walked, loose = 0, []
    for app in every_service_app(make_chat_app, infrastructure_env):
        for rule in app.url_map.iter_rules():
            converters = rule._converters  # the converter of each argument in the path
            loose += [rule.rule for c in converters.values() if isinstance(c, NUMERIC_CONVERTERS)]
            ids = [
                n
                for n, c in converters.items()
                if isinstance(c, (IdConverter, *NUMERIC_CONVERTERS))
            ]
            if not ids:
                continue
            async with app.test_app() as test_app:
                ada = sign_in(test_app, fake_auth, "Ada")
                await ada.say("general", "a message whose id is 1")
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    for bad in PATH_IDS:
                        values = {
                            name: bad if name in ids else "general" for name in rule.arguments
                        }
                        path = rule.rule
                        for name, value in values.items():
                            path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
                        send = getattr(ada.client, method.lower())
                        if rule.rule.startswith("/api/"):  # bearer tokens only, JSON bodies
                            issued = await tokens_of(app).issue(ada.user_id, "walk")
                            bearer = {"Authorization": f"Bearer {issued.token}"}
                            response = await send(path, json={"body": "x"}, headers=bearer)
                        else:
                            response = await send(path, form={"csrf_token": await ada.csrf()})
                        assert response.status_code == 404, (method, path)
                        walked += 1
    assert walked >= 4 * len(PATH_IDS)  # edit and delete, GET and POST
    assert loose == []  # every id through IdConverter: <id:name>, never <int:name>
