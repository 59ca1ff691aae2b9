"""A message post handled before Quart (web/fast_paths/post_fast_path.py) answers as Quart's view
does, header for header, with and without HTMX; everything else still goes to the view,
which reads the body the fast path read first; and a post it attempted is never attempted
again. Two replicas share Valkey and the database: one with the fast path, one without."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from quart import Quart

from chat_svc.actions.message_feed import MessageFeed
from chat_svc.web.fast_paths.post_fast_path import ROUTE_KEY, MessagePostRoute
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import HTMX, Person, sign_in, without_draft_key

if TYPE_CHECKING:
    # Imported for annotations only: pytest would try to collect the Test* protocols
    # as test classes (a warning in every run).
    from quart.typing import TestClientProtocol

MESSAGE_ANCHOR = re.compile(r"#message-\d+")


def served_fast(app: Quart) -> int:
    route = app.extensions[ROUTE_KEY]
    assert isinstance(route, MessagePostRoute)
    return route.served


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


async def post(
    client: TestClientProtocol, path: str, fields: dict[str, str], headers: dict[str, str]
) -> Answer:
    response = await client.post(path, form=fields, headers=headers)
    body = await response.get_data(as_text=True)
    kept = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    if "location" in kept:
        kept["location"] = MESSAGE_ANCHOR.sub("#message-N", kept["location"])
    body = MESSAGE_ANCHOR.sub("#message-N", without_draft_key(body))
    return Answer(response.status_code, body, kept)


async def messages_in(person: Person, slug: str) -> list[str]:
    _, page = await person.get(f"/rooms/{slug}")
    return re.findall(r'<div class="message-body[^"]*" dir="auto">(said [^<]*)</div>', page)


async def test_a_post_is_answered_as_quart_answers_it_with_and_without_htmx(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    fast_app, quart_app = make_chat_app(), make_chat_app(post_fast_path=False)
    async with fast_app.test_app() as fast, quart_app.test_app() as slow:
        ada = sign_in(fast, fake_auth, "Ada")
        token = await ada.csrf()
        on_quart = ada.same_browser_on(slow)
        room = await ada.create_room("Design")
        answers: list[tuple[Answer, Answer]] = []
        for path, headers in [
            (f"/rooms/{room}/messages", {}),
            (f"/rooms/{room}/messages", HTMX),
            ("/messages", {}),  # general's old URL
            ("/messages", HTMX),
        ]:
            n = len(answers)
            fields = {"csrf_token": token, "body": f"said {n} <b>", "client_id": f"{n:032x}"}
            quart_answer = await post(on_quart, path, fields, headers)
            before = served_fast(fast_app)
            fields |= {"body": f"said {n} again", "client_id": f"{n + 100:032x}"}
            fast_answer = await post(ada.client, path, fields, headers)
            assert served_fast(fast_app) == before + 1, fast_answer.body[:300]
            answers.append((quart_answer, fast_answer))
        in_room, in_general = await messages_in(ada, room), await messages_in(ada, "general")
    for quart_answer, fast_answer in answers:
        assert fast_answer == quart_answer
    assert [a.status for a, _ in answers] == [303, 200, 303, 200]
    assert answers[0][0].headers["location"] == f"/rooms/{room}#message-N"
    assert 'id="message-form"' in answers[1][0].body and "<html" not in answers[1][0].body
    assert answers[2][0].headers["location"] == "/rooms/general#message-N"
    assert in_room == ["said 0 &lt;b&gt;", "said 0 again", "said 1 &lt;b&gt;", "said 1 again"]
    assert in_general[-4:] == [
        "said 2 &lt;b&gt;",
        "said 2 again",
        "said 3 &lt;b&gt;",
        "said 3 again",
    ]


async def test_what_the_fast_path_does_not_handle_goes_to_quart_with_its_body(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        app = test_app.app  # type: ignore[attr-defined]
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        token = await ada.csrf()
        await grace.csrf()
        quiet = await grace.create_room("Quiet")
        closed = await grace.create_room("Secret", visibility="closed")
        # Read by the fast path first, then by Quart's view: its answers prove it got the body.
        empty = await ada.post("/rooms/general/messages", body="   ")
        too_long = await ada.post("/rooms/general/messages", body="x" * 2001)
        bad_token = await ada.client.post(
            "/rooms/general/messages", form={"csrf_token": "forged", "body": "hello"}
        )
        not_member = await ada.post(f"/rooms/{quiet}/messages", body="hello")
        hidden = await ada.post(f"/rooms/{closed}/messages", body="hello")
        # Refused before anything is read.
        foreign = await ada.client.post(
            "/rooms/general/messages",
            form={"csrf_token": token, "body": "hello"},
            headers={"Origin": "https://evil.example"},
        )
        with_query = await ada.post("/rooms/general/messages?x=1", body="with a query")
        # Past what the fast path reads (64 KB): Quart gets what was read and refuses it.
        too_large = await ada.post("/rooms/general/messages", body="x" * 70_000)
        stranger = await test_app.test_client().post(
            "/rooms/general/messages", form={"csrf_token": token, "body": "hello"}
        )
        served = served_fast(app)
        said = await messages_in(ada, "general")
    assert empty[0] == 422 and "Write a message before sending." in empty[1]
    assert too_long[0] == 422 and "2000" in too_long[1]
    assert bad_token.status_code == 422
    assert not_member[0] == 404 and hidden[0] == 404
    assert foreign.status_code == 403
    assert with_query[0] == 303
    assert too_large[0] == 413  # Quart's own limit on a form's size
    assert stranger.status_code == 303 and stranger.headers["Location"].startswith("/sign-in?")
    assert served == 0, "each of these was Quart's to answer"
    assert said == []


async def test_a_post_the_fast_path_attempted_is_not_attempted_again(
    make_chat_app: AppFactory, fake_auth: FakeAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []
    post_once = MessageFeed.post

    async def counted(feed: MessageFeed, *args: Any, **kwargs: Any) -> Any:
        attempts.append(args[2])
        return await post_once(feed, *args, **kwargs)

    monkeypatch.setattr(MessageFeed, "post", counted)
    async with make_chat_app(message_rate_count=2).test_app() as test_app:
        app = test_app.app  # type: ignore[attr-defined]
        ada = sign_in(test_app, fake_auth, "Ada")
        statuses = [(await ada.post("/messages", body=f"said {n}"))[0] for n in range(3)]
        refused = await ada.client.post(
            "/messages", form={"csrf_token": await ada.csrf(), "body": "said 3"}, headers=HTMX
        )
        fragment = await refused.get_data(as_text=True)
        served = served_fast(app)
        said = await messages_in(ada, "general")
    assert statuses == [303, 303, 429]
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "<html" not in fragment
    assert attempts == ["said 0", "said 1", "said 2", "said 3"], "one attempt per post"
    assert served == 2
    assert said == ["said 0", "said 1"]


async def test_quart_does_not_check_the_session_the_fast_path_checked(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # Each check asks auth (no cache): a post that waited out a database outage must not then
    # be refused by a second check whose answer differs ("signing in is not possible").
    async with make_chat_app(token_cache_seconds=0).test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.csrf()
        fake_auth.calls.clear()
        status, body, _ = await ada.post("/rooms/general/messages", body="   ")
        checks = fake_auth.calls.count("/internal/token-check")
    assert status == 422 and "Write a message before sending." in body
    assert checks == 1
