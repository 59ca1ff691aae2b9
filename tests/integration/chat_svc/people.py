"""A signed-in person driving chat_svc through Quart's test client, as a browser without
JavaScript would (forms, 303s), or as htmx would (``htmx=True``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import escape
from quart.typing import TestAppProtocol, TestClientProtocol

from tests.integration.chat_svc.conftest import csrf_token_in
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession

HTMX = {"HX-Request": "true"}
FORM_SESSION = "chat_form_session"  # the cookie chat's forms keep their CSRF value in
DRAFT_KEY = re.compile(r'(id="client_id" name="client_id" type="hidden" value=")[0-9a-f]{32}"')


def without_draft_key(html: str) -> str:
    """``html`` with each message form's random draft key replaced by one placeholder."""
    return DRAFT_KEY.sub(r'\1(draft key)"', html)


def cookie_of(client: TestClientProtocol, name: str) -> str:
    jar = client.cookie_jar
    assert jar is not None
    for cookie in jar:
        if cookie.name == name and cookie.value:
            return str(cookie.value)
    raise AssertionError(f"no {name} cookie")


@dataclass
class Person:
    session: FakeSession
    client: TestClientProtocol
    _csrf: str | None = None

    @property
    def user_id(self) -> str:
        return self.session.user_id

    async def get(self, path: str, htmx: bool = False) -> tuple[int, str]:
        response = await self.client.get(path, headers=HTMX if htmx else None)
        return response.status_code, await response.get_data(as_text=True)

    def same_browser_on(self, test_app: TestAppProtocol) -> TestClientProtocol:
        """A client of another replica with this person's chat session and form session."""
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", self.session.token)
        client.set_cookie("localhost", FORM_SESSION, cookie_of(self.client, FORM_SESSION))
        return client

    async def csrf(self) -> str:
        if self._csrf is None:
            status, html = await self.get("/rooms")
            assert status == 200, html
            self._csrf = csrf_token_in(html)
        return self._csrf

    async def post(self, path: str, htmx: bool = False, **fields: str) -> tuple[int, str, str]:
        """(status, body, Location)."""
        response = await self.client.post(
            path, form={"csrf_token": await self.csrf(), **fields}, headers=HTMX if htmx else None
        )
        body = await response.get_data(as_text=True)
        return response.status_code, body, response.headers.get("Location", "")

    async def create_room(self, name: str, visibility: str = "open") -> str:
        status, body, location = await self.post("/rooms", name=name, visibility=visibility)
        assert status == 303, body
        return location.removeprefix("/rooms/")

    async def open_dm(self, other: Person) -> str:
        await other.csrf()  # chat knows a person from their first request (or UserCreated)
        _, people = await self.get("/people")
        status, body, location = await self.post(
            "/dm", person=person_handle(people, other.session.display_name)
        )
        assert status == 303, body
        return location.removeprefix("/rooms/")

    async def say(self, slug: str, body: str) -> None:
        status, html, _ = await self.post(f"/rooms/{slug}/messages", body=body)
        assert status == 303, html


def person_handle(people_page: str, display_name: str) -> str:
    """The value /people's "Message" form sends for the person of that name."""
    found = re.search(
        rf'<span class="person-name">{re.escape(str(escape(display_name)))}</span>.*?'
        r'name="person" value="([^"]+)"',
        people_page,
        re.DOTALL,
    )
    assert found, f"no {display_name} on the people page"
    return found.group(1)


def sign_in(test_app: TestAppProtocol, fake_auth: FakeAuth, name: str) -> Person:
    session = fake_auth.sign_in(name)
    client = test_app.test_client()
    client.set_cookie("localhost", "chat_session", session.token)
    return Person(session, client)


def sidebar_counts(html: str) -> dict[str, int]:
    """Unread count per room slug as the sidebar shows it (0 when hidden)."""
    counts = {}
    for slug, count in re.findall(
        r'data-room="([^"]+)"[^>]*>\s*<a[^>]*>.*?</a>\s*<span class="unread-count"[^>]*>(\d+)', html
    ):
        counts[slug] = int(count)
    return counts


def bold_rooms(html: str) -> set[str]:
    return set(re.findall(r'class="sidebar-entry has-unread" data-room="([^"]+)"', html))
