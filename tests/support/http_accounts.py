"""Accounts made over plain HTTP against a running stack, the way a browser without JS would.

Sign up on auth_svc, read the set-password link from maildev's API, set the password, sign
in and follow the hand-off to a chat replica: the result is an httpx client that holds that
replica's ``chat_session`` cookie. Every form carries its CSRF token (``csrf_token``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
LINK = re.compile(r"https?://\S+\?token=[\w-]+")
SET_PASSWORD_SUBJECT = "Set your password"
RESET_PASSWORD_SUBJECT = "Reset your Chat password"
SESSION_COOKIE = "chat_session"
DEFAULT_PASSWORD = "rehearsal horse battery staple"


def csrf_token_in(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match is not None, "the page has no CSRF field"
    return match.group(1)


async def submit_form(
    client: httpx.AsyncClient, path: str, fields: dict[str, str], page: str | None = None
) -> httpx.Response:
    """GET the form's page (``page``, default ``path``) for a CSRF token, then POST it."""
    form_page = await client.get(page or path)
    assert form_page.status_code == 200, f"GET {page or path}: {form_page.status_code}"
    return await client.post(path, data={"csrf_token": csrf_token_in(form_page.text), **fields})


def link_in(email: dict[str, Any]) -> str:
    """The one tokenised link of an e-mail (set password, reset password)."""
    match = LINK.search(email.get("text") or "")
    assert match is not None, f"no link in the e-mail {email.get('subject')!r}"
    return match.group(0)


@dataclass(frozen=True)
class Mailbox:
    """maildev's HTTP API (``GET /api/email``): every e-mail the stack has sent."""

    api_url: str

    async def emails_to(self, address: str, subject_part: str = "") -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self.api_url)
        response.raise_for_status()
        return [
            email
            for email in response.json()
            if any(to.get("address", "").lower() == address.lower() for to in email.get("to", []))
            and subject_part.lower() in (email.get("subject") or "").lower()
        ]

    async def wait_for(
        self, address: str, subject_part: str, count: int = 1, patience: float = 30.0
    ) -> list[dict[str, Any]]:
        """Every matching e-mail once there are at least ``count`` (a safety net, not a test)."""
        found: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(patience):
                while len(found := await self.emails_to(address, subject_part)) < count:
                    await asyncio.sleep(0.2)
        except TimeoutError:
            raise AssertionError(
                f"{len(found)} of {count} e-mails {subject_part!r} to {address} arrived"
            ) from None
        return found


@dataclass(frozen=True)
class HttpAccounts:
    """Makes accounts and chat sessions on one stack: auth at ``auth_url``, mail in ``mailbox``."""

    auth_url: str
    mailbox: Mailbox

    async def sign_up(
        self, email: str, display_name: str, password: str = DEFAULT_PASSWORD
    ) -> None:
        """Sign up, follow the mailed set-password link and choose ``password``."""
        async with httpx.AsyncClient(base_url=self.auth_url, timeout=10) as auth:
            fields = {"email": email, "display_name": display_name}
            response = await submit_form(auth, "/sign-up", fields)
            assert response.status_code == 303, f"sign-up: {response.status_code}"
            (email_message,) = await self.mailbox.wait_for(email, SET_PASSWORD_SUBJECT)
            link = urlsplit(link_in(email_message))
            path = f"{link.path}?{link.query}"
            passwords = {"password": password, "confirm_password": password}
            response = await submit_form(auth, path, passwords)
            assert response.status_code == 303, f"set password: {response.status_code}"
            # Signed in on auth at once, and sent on to chat's /sign-in (not followed here:
            # sign_in_to_chat signs in from a client of its own).
            assert response.headers["location"].endswith("/sign-in?next=%2F")

    async def sign_in_to_chat(
        self, email: str, chat_url: str, password: str = DEFAULT_PASSWORD
    ) -> httpx.AsyncClient:
        """Start at the replica's ``/sign-in`` (it binds the hand-off to this client with a
        state cookie), sign in on auth, follow the hand-off back; the caller closes the client.

        auth_svc redirects to the chat URL it was configured with; the code is redeemed
        server-to-server, so any replica can take it: the path goes to ``chat_url``.
        """
        chat = httpx.AsyncClient(base_url=chat_url, timeout=10)
        try:
            bound = await chat.get("/sign-in", params={"next": "/"})
            assert bound.status_code == 303, f"chat sign-in: {bound.status_code}"
            sign_in_page = urlsplit(bound.headers["location"])
            async with httpx.AsyncClient(base_url=self.auth_url, timeout=10) as auth:
                fields = {"email": email, "password": password}
                path = f"{sign_in_page.path}?{sign_in_page.query}"
                response = await submit_form(auth, path, fields)
                assert response.status_code == 303, f"sign-in: {response.status_code}"
            handoff = urlsplit(response.headers["location"])
            assert handoff.path == "/session/start", handoff.path
            started = await chat.get(f"{handoff.path}?{handoff.query}")
            assert started.status_code == 303, f"hand-off: {started.status_code}"
            assert SESSION_COOKIE in chat.cookies, "the hand-off set no chat_session cookie"
            # "/" goes on to the room opened last (general for a newcomer).
            page = await chat.get(started.headers["location"], follow_redirects=True)
            assert page.status_code == 200, f"chat page: {page.status_code}"
        except BaseException:
            await chat.aclose()
            raise
        return chat

    async def new_chat_user(
        self, email: str, display_name: str, chat_url: str, password: str = DEFAULT_PASSWORD
    ) -> httpx.AsyncClient:
        await self.sign_up(email, display_name, password)
        return await self.sign_in_to_chat(email, chat_url, password)

    async def request_password_reset(self, email: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.auth_url, timeout=10) as auth:
            return await submit_form(auth, "/forgot-password", {"email": email})

    async def request_sign_up(self, email: str, display_name: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.auth_url, timeout=10) as auth:
            fields = {"email": email, "display_name": display_name}
            return await submit_form(auth, "/sign-up", fields)


def chat_client(chat_url: str, session_token: str) -> httpx.AsyncClient:
    """Another client of the same chat session, on any replica (the token is not per replica)."""
    return httpx.AsyncClient(base_url=chat_url, cookies={SESSION_COOKIE: session_token}, timeout=10)


async def chat_csrf_token(chat: httpx.AsyncClient) -> str:
    """The chat page's CSRF token; it stays valid for this client's chat session cookie."""
    page = await chat.get("/rooms/general")
    assert page.status_code == 200, f"chat page: {page.status_code}"
    return csrf_token_in(page.text)


async def post_message(chat: httpx.AsyncClient, body: str, csrf_token: str) -> httpx.Response:
    """Send a message like the no-JavaScript form does (answered with a 303)."""
    return await chat.post("/messages", data={"csrf_token": csrf_token, "body": body})
