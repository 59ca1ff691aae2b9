"""The scale-out rehearsal on the ``just stage`` topology, as real processes on loopback.

Three NATS nodes (JetStream streams replicated R3), Valkey, maildev, auth_svc, mail_svc and
two chat_svc replicas, driven over plain HTTP: people sign up, read their mail from
maildev, sign in, post messages and follow the live stream (``GET /events``) on either
replica.

What this proves: live delivery crosses replicas through NATS; message ids come from one
sequence and resumes (``?after=``) read the newest messages from Valkey, so a client that
moves to another replica catches up exactly once and in order; a NATS node dying and coming
back during traffic loses neither a live message nor an e-mail (the outbox retries, JetStream
de-duplicates by event id, mail_svc skips events it already sent).

What it does not prove with the in-memory store (MONGODB_URL unset): each process keeps its
own users and messages, so nothing here shows that two replicas read the same history from
the store: a resume reaching past Valkey's window, or a page after Valkey lost its data,
would show only one replica's messages. Set MONGODB_URL to run the same tests with one shared
store. Nor does it exercise the edge proxy (Caddy), containers or real network faults: a
stopped process and a refused connection stand in for a lost machine.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from devstack.topology import Topology
from tests.integration.stage.live_stream import LiveStream
from tests.support.http_accounts import (
    SESSION_COOKIE,
    HttpAccounts,
    chat_csrf_token,
    post_message,
)

log = logging.getLogger(__name__)

SERVICES = {"auth_svc", "chat_svc", "mail_svc"}


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def address(label: str) -> str:
    return f"{unique(label)}@example.com"


@dataclass
class Poster:
    """One signed-in chat client that posts messages and remembers what it posted."""

    client: httpx.AsyncClient
    csrf_token: str
    posted: list[str] = field(default_factory=list)

    @property
    def session_token(self) -> str:
        token = self.client.cookies.get(SESSION_COOKIE)
        assert token is not None
        return token

    async def post(self, body: str) -> None:
        response = await post_message(self.client, body, self.csrf_token)
        assert response.status_code == 303, f"posting {body!r}: {response.status_code}"
        self.posted.append(body)


@asynccontextmanager
async def chat_user(accounts: HttpAccounts, name: str, chat_url: str) -> AsyncIterator[Poster]:
    client = await accounts.new_chat_user(address(name), name, chat_url)
    try:
        yield Poster(client, await chat_csrf_token(client))
    finally:
        await client.aclose()


@asynccontextmanager
async def live_streams(*streams: LiveStream) -> AsyncIterator[None]:
    try:
        for stream in streams:
            await stream.start()
        yield
    finally:
        for stream in streams:
            await stream.stop()


async def test_a_message_posted_to_one_replica_reaches_streams_on_both_in_order(
    stage: Topology, accounts: HttpAccounts
) -> None:
    first, second = stage.chat_urls
    async with (
        chat_user(accounts, "Ada", first) as ada,
        chat_user(accounts, "Grace", second) as grace,
    ):
        on_first = LiveStream("ada on A", ada.session_token, [first])
        on_second = LiveStream("grace on B", grace.session_token, [second])
        same_person_on_second = LiveStream("ada on B", ada.session_token, [second])
        async with live_streams(on_first, on_second, same_person_on_second):
            for number in range(5):
                await ada.post(unique(f"hello {number}"))
            for stream in (on_first, on_second, same_person_on_second):
                await stream.wait_for_bodies(ada.posted)
    for stream in (on_first, on_second, same_person_on_second):
        assert stream.bodies == ada.posted, stream.name
        assert stream.ids == sorted(set(stream.ids)), stream.name
    assert on_first.ids == on_second.ids == same_person_on_second.ids
    assert {item.via for item in on_second.received} == {second}
