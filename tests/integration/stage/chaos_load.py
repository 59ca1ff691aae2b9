"""Steady load for the chaos test, and the ledger of what each request was answered.

Posters send messages at a fixed total rate, each poster one after another so its own
messages have an order; sign-ups arrive at a fixed rate. Every answer is written down:
accepted (the redirect a successful form post gets), refused with an error the person can
read (4xx/5xx with a page, or a redirect to sign in), or no answer at all (connection
refused or cut). The checks after each fault compare this ledger with what subscribers
received and what maildev holds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.http_accounts import (
    SET_PASSWORD_SUBJECT,
    HttpAccounts,
    Mailbox,
    csrf_token_in,
    post_message,
)


@dataclass(frozen=True)
class Answer:
    """What one request got back; ``status`` None means no answer (a transport error)."""

    status: int | None
    location: str = ""
    has_page: bool = False
    error: str = ""

    def accepted(self, expected_location: str) -> bool:
        # A post without JavaScript lands on its own message: /rooms/general#message-N.
        return self.status == 303 and self.location.split("#")[0].endswith(expected_location)

    @property
    def kind(self) -> str:
        """A short name for the report: ``no answer``, ``500``, ``303 to sign-in``."""
        if self.status is None:
            return f"no answer ({self.error.split(':')[0]})"
        if self.status == 303:
            return f"303 to {self.location.split('?')[0].rsplit('/', 1)[-1] or '/'}"
        return str(self.status)

    @property
    def clear_refusal(self) -> bool:
        """A refusal a person understands: an error page, a sign-in redirect, or no answer."""
        if self.status is None:
            return True
        if self.status >= 400:
            return self.has_page
        return self.status == 303 and "/sign-in" in self.location


async def answer_of(request: Coroutine[Any, Any, httpx.Response]) -> Answer:
    try:
        response = await request
    except httpx.TransportError as error:
        return Answer(None, error=f"{type(error).__name__}: {error}")
    has_page = "<html" in response.text.lower() or "<h1" in response.text.lower()
    return Answer(response.status_code, response.headers.get("location", ""), has_page)


@dataclass(frozen=True)
class Post:
    body: str
    poster: int
    answer: Answer

    @property
    def accepted(self) -> bool:
        return self.answer.accepted("/rooms/general")


@dataclass
class ChatPoster:
    client: httpx.AsyncClient
    csrf_token: str


@dataclass
class MessageLoad:
    """``rate`` messages per second in total from ``posters`` (each sequential)."""

    posters: list[ChatPoster]
    rate: float
    label: str = "load"
    posts: list[Post] = field(default_factory=list)
    _sequence: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._poster(i, stop) for i in range(len(self.posters))))

    async def _poster(self, index: int, stop: asyncio.Event) -> None:
        poster = self.posters[index]
        interval = len(self.posters) / self.rate
        next_at = time.monotonic() + index * interval / len(self.posters)
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            self._sequence += 1
            body = f"{self.label}-p{index}-{self._sequence}"
            answer = await answer_of(post_message(poster.client, body, poster.csrf_token))
            self.posts.append(Post(body, index, answer))

    def take(self) -> list[Post]:
        """The posts since the last call (one fault's worth)."""
        taken, self.posts = self.posts, []
        return taken


@dataclass(frozen=True)
class SignUp:
    email: str
    answer: Answer

    @property
    def accepted(self) -> bool:
        return self.answer.accepted("/check-your-inbox")


@dataclass
class SignUpLoad:
    accounts: HttpAccounts
    rate: float
    label: str = "newcomer"
    sign_ups: list[SignUp] = field(default_factory=list)
    _sequence: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        next_at = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += 1 / self.rate
            self._sequence += 1
            email = f"{self.label}-{self._sequence}@example.com"
            answer = await answer_of(self._sign_up(email))
            self.sign_ups.append(SignUp(email, answer))

    async def _sign_up(self, email: str) -> httpx.Response:
        """The form page (for its CSRF token), then the post; an error page is the answer."""
        async with httpx.AsyncClient(base_url=self.accounts.auth_url, timeout=10) as auth:
            page = await auth.get("/sign-up")
            if page.status_code != 200:
                return page
            fields = {"email": email, "display_name": "Newcomer"}
            return await auth.post(
                "/sign-up", data={"csrf_token": csrf_token_in(page.text), **fields}
            )

    def take(self) -> list[SignUp]:
        taken, self.sign_ups = self.sign_ups, []
        return taken


async def set_password_emails(mailbox: Mailbox) -> Counter[str]:
    """How many set-password e-mails maildev holds per address (one API call)."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(mailbox.api_url)
    response.raise_for_status()
    counts: Counter[str] = Counter()
    for email in response.json():
        if SET_PASSWORD_SUBJECT.lower() in (email.get("subject") or "").lower():
            for to in email.get("to", []):
                counts[to.get("address", "").lower()] += 1
    return counts


async def wait_for_emails(mailbox: Mailbox, addresses: list[str], patience: float) -> Counter[str]:
    """Set-password e-mail counts once every address has one (or ``patience`` ran out)."""
    deadline = time.monotonic() + patience
    while True:
        counts = await set_password_emails(mailbox)
        if all(counts[a.lower()] for a in addresses) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.5)
