"""The room page served before Quart (web/fast_paths/room_page_fast_path.py) is the page
Quart serves, byte for byte and header for header, in every shape the page takes; anything
unusual still goes to Quart. Two replicas share Valkey and the database: one with the fast
path, one without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quart import Quart
from werkzeug.datastructures import Headers

from chat_svc.web.fast_paths.room_page_fast_path import ROUTE_KEY, RoomPageRoute
from tests.integration.chat_svc.conftest import AppFactory
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import FORM_SESSION, Person, sign_in, without_draft_key

if TYPE_CHECKING:
    # Imported for annotations only: pytest would try to collect the Test* protocols
    # as test classes (a warning in every run).
    from quart.typing import TestAppProtocol, TestClientProtocol


def served_fast(app: Quart) -> int:
    route = app.extensions[ROUTE_KEY]
    assert isinstance(route, RoomPageRoute)
    return route.served


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]


async def page_of(client: TestClientProtocol, path: str) -> Page:
    response = await client.get(path)
    body = await response.get_data(as_text=True)
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    return Page(response.status_code, without_draft_key(body), headers)


@dataclass
class Twins:
    """One person on both replicas, with the same chat session and form session."""

    fast_app: Quart
    person: Person
    on_quart: TestClientProtocol

    async def both(self, path: str) -> tuple[Page, Page]:
        """The page from Quart, then from the fast path, once the room was opened (the
        first view reads it up to its newest message: the "new messages" line goes)."""
        await page_of(self.on_quart, path)
        before = served_fast(self.fast_app)
        quart_page = await page_of(self.on_quart, path)
        fast_page = await page_of(self.person.client, path)
        assert served_fast(self.fast_app) == before + 1, fast_page.body[:300]
        return quart_page, fast_page


@asynccontextmanager
async def twin_replicas(
    make_chat_app: AppFactory, fake_auth: FakeAuth, name: str = "Ada"
) -> AsyncIterator[tuple[Twins, TestAppProtocol]]:
    fast_app, quart_app = make_chat_app(), make_chat_app(page_fast_path=False)
    async with fast_app.test_app() as fast, quart_app.test_app() as slow:
        person = sign_in(fast, fake_auth, name)
        await person.csrf()  # Quart mints the form session on the first page
        on_quart = person.same_browser_on(slow)
        yield Twins(fast_app, person, on_quart), fast


def assert_same(quart_page: Page, fast_page: Page) -> None:
    assert fast_page.status == quart_page.status == 200
    assert fast_page.body == quart_page.body
    assert fast_page.headers == quart_page.headers


async def test_every_shape_of_the_page_is_the_same_from_both_paths(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with twin_replicas(make_chat_app, fake_auth) as (ada, fast):
        grace = sign_in(fast, fake_auth, "Grace <the admiral> & co")
        await grace.csrf()
        # A room with no messages yet, one Ada is not in, then one with a name to escape.
        quiet = await grace.create_room('Q&A "quiet"')
        pages = [await ada.both(f"/rooms/{quiet}")]
        await ada.person.post(f"/rooms/{quiet}/join")
        pages.append(await ada.both(f"/rooms/{quiet}"))
        # More messages than a page holds (older ones to load), hers, his, a mention of her.
        for n in range(6):
            await grace.say("general", f"from Grace {n} <b>bold</b>")
            await ada.person.say("general", f"from Ada {n}")
        await grace.say("general", "@Ada have a look")
        pages.append(await ada.both("/rooms/general"))
        # A closed room (the form to add people) and a direct room (titled with Grace).
        closed = await ada.person.create_room("Secret plans", visibility="closed")
        await ada.person.say(closed, "only us")
        pages.append(await ada.both(f"/rooms/{closed}"))
        direct = await ada.person.open_dm(grace)
        await grace.say(direct, "hello Ada")
        pages.append(await ada.both(f"/rooms/{direct}"))
    for quart_page, fast_page in pages:
        assert_same(quart_page, fast_page)
    looking_in, empty_member, general, closed_page, direct_page = (p for _, p in pages)
    assert "Join this room" in looking_in.body and "Q&amp;A &#34;quiet&#34;" in looking_in.body
    assert "No messages yet" in empty_member.body and "Leave" in empty_member.body
    assert "Load older messages" in general.body and "mentions-you" in general.body
    assert 'id="member-form"' in closed_page.body
    assert "<title>Grace &lt;the admiral&gt; &amp; co · Chat</title>" in direct_page.body


async def test_each_viewer_gets_their_own_token_name_and_sidebar(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        ada_token, grace_token = await ada.csrf(), await grace.csrf()
        design = await ada.create_room("Design")
        await ada.say("general", "hello")
        _, adas = await ada.get("/rooms/general")
        _, graces = await grace.get("/rooms/general")
        # The tokens on the fast path's pages are the ones Quart's forms accept.
        status, body, _ = await grace.post("/rooms/general/messages", body="answered")
        served = served_fast(test_app.app)  # type: ignore[attr-defined]
    assert served >= 2
    assert status == 303, body
    assert ada_token in adas and grace_token not in adas
    assert grace_token in graces and ada_token not in graces
    assert "<bdi>Ada</bdi>" in adas and "<bdi>Grace</bdi>" in graces
    assert f'data-room="{design}"' in adas and f'data-room="{design}"' not in graces


async def test_what_the_fast_path_does_not_know_goes_to_quart(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        app = test_app.app  # type: ignore[attr-defined]
        stranger = test_app.test_client()
        no_session = await stranger.get("/rooms/general")
        ada = sign_in(test_app, fake_auth, "Ada")
        first = await ada.client.get("/rooms/general")  # no form session yet: Quart mints it
        minted = "Set-Cookie" in first.headers
        await ada.csrf()
        fragment = await ada.get("/rooms/general", htmx=True)
        unknown = await ada.get("/rooms/no-such-room")
        with_query = await ada.get("/rooms/general?from=link")
        ada.client.set_cookie("localhost", FORM_SESSION, "tampered.value.sig")
        tampered = await ada.client.get("/rooms/general")
        remade = "Set-Cookie" in tampered.headers
        untouched = served_fast(app)
        page = await ada.get("/rooms/general")
        served = served_fast(app)
    assert no_session.status_code == 303
    assert no_session.headers["Location"].startswith("/sign-in?")
    assert first.status_code == 200 and minted
    assert fragment[0] == 200 and "<html" not in fragment[1] and 'id="conversation"' in fragment[1]
    assert unknown[0] == 404 and "Page not found" in unknown[1]
    assert with_query[0] == 200
    assert tampered.status_code == 200 and remade
    assert untouched == 0, "each of these was Quart's to answer"
    assert page[0] == 200 and served == 1


async def test_a_closed_room_stays_hidden_from_a_stranger_on_the_fast_path(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app().test_app() as test_app:
        ada, grace = sign_in(test_app, fake_auth, "Ada"), sign_in(test_app, fake_auth, "Grace")
        await grace.csrf()
        closed = await ada.create_room("Secret plans", visibility="closed")
        await ada.say(closed, "the plan")
        status, body = await grace.get(f"/rooms/{closed}")
        _, unknown = await grace.get("/rooms/never-was")
    assert status == 404
    assert "the plan" not in body and "Secret plans" not in body
    assert body == unknown.replace("/rooms/never-was", f"/rooms/{closed}") or body == unknown


async def test_a_session_in_a_cookie_header_of_its_own_is_read_by_quart_too(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # HTTP/2 may send each cookie in a header of its own; the stream and the fast path read
    # them all, and so must Quart's views.
    async with make_chat_app(page_fast_path=False).test_app() as test_app:
        session = fake_auth.sign_in("Ada")
        client = test_app.test_client()
        headers = Headers([("Cookie", "elsewhere=1"), ("Cookie", f"chat_session={session.token}")])
        response = await client.get("/rooms/general", headers=headers)
    assert response.status_code == 200, response.headers.get("Location")
