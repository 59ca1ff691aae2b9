"""An auth_svc app against the real test servers, and helpers to drive its pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from quart import Quart
from quart.typing import TestClientProtocol as Client

from auth_svc.app import AUTH_COOKIE, create_app
from auth_svc.lib.internal_listener import SCOPE_MARK
from auth_svc.settings import AuthSettings
from service_kit.events import Event, PasswordResetRequested, SignUpRequested, decode_event
from service_kit.people.sealed_links import DEV_LINK_SEAL_KEY, LinkSeal, link_in
from tests.support.stored_events import stored_messages

PASSWORD = "correct horse battery"
# What the internal listener's server puts in the scope (the public listener answers 404).
INTERNAL_SCOPE = {SCOPE_MARK: True}
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def auth_settings(infrastructure_env: dict[str, Any]) -> AuthSettings:
    return AuthSettings(**infrastructure_env)


@pytest.fixture
async def auth_app(auth_settings: AuthSettings) -> AsyncIterator[Quart]:
    app = create_app(auth_settings)
    async with app.test_app():
        yield app


@pytest.fixture
def client(auth_app: Quart) -> Client:
    return auth_app.test_client()


async def csrf_token(client: Client, path: str) -> str:
    response = await client.get(path)
    match = CSRF_FIELD.search(await response.get_data(as_text=True))
    assert match is not None, f"no CSRF field on {path}"
    return match.group(1)


async def submit(client: Client, path: str, htmx: bool = False, **fields: str) -> Any:
    """GET the form's page for a CSRF token, then POST the fields like a browser would."""
    data = {"csrf_token": await csrf_token(client, path), **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(path, form=data, headers=headers)


async def wait_for_events(
    js: JetStreamContext, subject: str, count: int = 1, timeout: float = 10.0
) -> list[Event]:
    """Every event on ``subject`` in AUTH_EVENTS once at least ``count`` have arrived."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                info = await js.stream_info("AUTH_EVENTS", subjects_filter=subject)
            except NotFoundError:
                info = None
            found = (info.state.subjects or {}).get(subject, 0) if info else 0
            if found >= count:
                break
            await asyncio.sleep(0.05)
    stored = await stored_messages(js, "AUTH_EVENTS", subject)
    return [decode_event(message.subject, message.data) for message in stored]


def link_of(event: SignUpRequested | PasswordResetRequested) -> str:
    """The link mail_svc would send, opened with the dev key both services default to."""
    return link_in(event, LinkSeal(DEV_LINK_SEAL_KEY))


def token_from(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def sign_up(
    client: Client,
    js: JetStreamContext,
    email: str = "ada@example.com",
    display_name: str = "Ada",
    password: str = PASSWORD,
) -> None:
    """The whole sign-up: request, read the link from the event, set the password. That
    signs in (issue 37, item 11); the tests go on from a browser that is not signed in, as
    when the link was opened on another device."""
    before = await _count(js, SignUpRequested.SUBJECT)
    response = await submit(client, "/sign-up", email=email, display_name=display_name)
    assert response.status_code == 303
    events = await wait_for_events(js, SignUpRequested.SUBJECT, before + 1)
    event = events[-1]
    assert isinstance(event, SignUpRequested)
    path = f"/set-password?token={token_from(link_of(event))}"
    response = await submit(client, path, password=password, confirm_password=password)
    assert response.status_code == 303, await response.get_data(as_text=True)
    client.delete_cookie("localhost", AUTH_COOKIE)


async def reset_password(
    client: Client, jetstream: JetStreamContext, new: str, email: str = "ada@example.com"
) -> None:
    """Ask for a reset, follow the mailed link and set ``new``, as the mailbox's owner."""
    await submit(client, "/forgot-password", email=email)
    [reset] = await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)
    assert isinstance(reset, PasswordResetRequested)
    path = f"/reset-password?token={token_from(link_of(reset))}"
    assert (await submit(client, path, password=new, confirm_password=new)).status_code == 303


async def _count(js: JetStreamContext, subject: str) -> int:
    try:
        info = await js.stream_info("AUTH_EVENTS", subjects_filter=subject)
    except NotFoundError:
        return 0
    return (info.state.subjects or {}).get(subject, 0)


STATE = "s" * 10 + "tate-chat-bound-to-the-browser"  # the shape chat's /sign-in makes


async def sign_in(client: Client, email: str = "ada@example.com", password: str = PASSWORD) -> str:
    """Sign in as if sent by chat (with its state); returns the hand-off code."""
    response = await submit(client, f"/sign-in?state={STATE}", email=email, password=password)
    assert response.status_code == 303, await response.get_data(as_text=True)
    code: str = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    return code
