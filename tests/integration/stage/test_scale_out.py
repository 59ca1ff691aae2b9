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

Every process shares one database (the topology's FerretDB, or MongoDB with MONGODB_URL), so
history older than Valkey's window and people created by auth_svc are the same on both
replicas (test_shared_history.py). It does not exercise the edge proxy (Caddy), containers
or real network faults: a
stopped process and a refused connection stand in for a lost machine. Live delivery uses a
plain NATS subscription per replica, which drops what is published while the replica
reconnects to another node; the replica then ends its streams so clients resume from the
shared cache (tests/integration/chat_svc proves that path by forcing the gap, which this
outage test cannot time).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from devstack.processes import http_probe
from devstack.topology import NatsNode, Topology
from tests.integration.stage.live_stream import LiveStream
from tests.support.http_accounts import (
    RESET_PASSWORD_SUBJECT,
    SESSION_COOKIE,
    SET_PASSWORD_SUBJECT,
    HttpAccounts,
    chat_client,
    chat_csrf_token,
    link_in,
    post_message,
)

pytestmark = pytest.mark.slow  # a whole topology per module: `./run test-slow`

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


def service_connections(node: NatsNode) -> int:
    url = f"http://127.0.0.1:{node.monitor_port}/connz?limit=1000"
    with urllib.request.urlopen(url, timeout=5) as response:
        connections = json.loads(response.read()).get("connections") or []
    return sum(1 for c in connections if c.get("name") in SERVICES)


def busiest_node(stage: Topology) -> NatsNode:
    """The node most service connections use: losing it makes the most clients fail over."""
    return max(stage.nats_nodes, key=service_connections)


def restart_nats_node(stage: Topology, node: NatsNode) -> None:
    stage.start_nats_node(node)
    # Healthy once it has rejoined the cluster and caught up on JetStream.
    stage.group.wait_ready(stage.processes[node.name], http_probe(node.health_url), 60)


@dataclass
class Traffic:
    """Messages through both replicas and e-mail-triggering requests, one after another."""

    posters: list[Poster]
    accounts: HttpAccounts
    reset_address: str
    resets_requested: int = 0
    sign_ups_requested: list[str] = field(default_factory=list)
    label: str = "traffic"
    rounds: int = 0
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def posted(self) -> list[str]:
        return sorted(
            (body for poster in self.posters for body in poster.posted),
            key=lambda body: int(body.rsplit("-", 1)[1]),
        )

    async def run(self) -> None:
        while not self._stopping.is_set():
            poster = self.posters[self.rounds % len(self.posters)]
            await poster.post(f"{self.label}-{self.rounds}")
            if self.rounds % 3 == 0:
                response = await self.accounts.request_password_reset(self.reset_address)
                assert response.status_code == 303, f"forgot password: {response.status_code}"
                self.resets_requested += 1
            if self.rounds % 5 == 0:
                newcomer = address("newcomer")
                response = await self.accounts.request_sign_up(newcomer, "Newcomer")
                assert response.status_code == 303, f"sign-up: {response.status_code}"
                self.sign_ups_requested.append(newcomer)
            self.rounds += 1
            await asyncio.sleep(0.05)

    async def until(self, rounds: int, task: asyncio.Task[None]) -> None:
        """Wait until ``rounds`` rounds are done; a failure of the traffic is raised."""
        while self.rounds < rounds:
            if task.done():
                task.result()
                raise AssertionError("the traffic stopped early")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self._stopping.set()


async def test_a_nats_node_lost_during_traffic_loses_no_message_and_no_email(
    stage: Topology, accounts: HttpAccounts
) -> None:
    first, second = stage.chat_urls
    reset_address = address("resets")
    await accounts.sign_up(reset_address, "Resets")
    async with (
        chat_user(accounts, "Ada", first) as ada,
        chat_user(accounts, "Grace", second) as grace,
    ):
        streams = [
            LiveStream("ada on A", ada.session_token, [first]),
            LiveStream("grace on B", grace.session_token, [second]),
            LiveStream("ada on B", ada.session_token, [second]),
        ]
        traffic = Traffic([ada, grace], accounts, reset_address, label=unique("outage"))
        async with live_streams(*streams):
            task = asyncio.create_task(traffic.run())
            try:
                await traffic.until(6, task)
                node = busiest_node(stage)
                assert service_connections(node) > 0
                await asyncio.to_thread(stage.stop_process, node.name)
                log.info("stopped %s after %d rounds", node.name, traffic.rounds)
                await traffic.until(traffic.rounds + 20, task)
                await asyncio.to_thread(restart_nats_node, stage, node)
                log.info("%s healthy again after %d rounds", node.name, traffic.rounds)
                await traffic.until(traffic.rounds + 10, task)
            finally:
                traffic.stop()
                await task
            for stream in streams:
                await stream.wait_for_bodies(traffic.posted)
    for stream in streams:
        assert sorted(stream.bodies, key=traffic.posted.index) == traffic.posted, stream.name
        assert len(stream.ids) == len(set(stream.ids)) == len(traffic.posted), stream.name
        # Sorted by id they read as posted: one sequence across both replicas.
        by_id = [item.body for item in sorted(stream.received, key=lambda r: r.message_id)]
        assert by_id == traffic.posted, stream.name

    # Every request that was answered mailed exactly once: none lost, none sent twice.
    resets = await accounts.mailbox.wait_for(
        reset_address, RESET_PASSWORD_SUBJECT, count=traffic.resets_requested
    )
    assert len(resets) == traffic.resets_requested
    assert len({link_in(email) for email in resets}) == traffic.resets_requested
    for newcomer in traffic.sign_ups_requested:
        assert len(await accounts.mailbox.wait_for(newcomer, SET_PASSWORD_SUBJECT)) == 1


async def test_clients_of_a_lost_chat_replica_catch_up_on_the_other_then_it_serves_again(
    stage: Topology, accounts: HttpAccounts
) -> None:
    first, second = stage.chat_urls
    async with (
        chat_user(accounts, "Ada", first) as ada,
        chat_user(accounts, "Bob", second) as bob,
        chat_user(accounts, "Carol", second) as carol,
    ):
        # Bob's and Carol's pages stream from the second replica; the edge would send their
        # reconnects to whichever replica answers.
        streams = [
            LiveStream("bob", bob.session_token, [second, first]),
            LiveStream("carol", carol.session_token, [second, first]),
        ]
        try:
            async with live_streams(*streams):
                await lose_second_replica_while_posting(stage, ada, streams)
        finally:
            if "chat_svc-2" not in stage.processes:  # stopped above: bring it back
                await asyncio.to_thread(stage.start_chat, 1)
        await restarted_replica_serves(second, first, bob, ada)

    for stream in streams:
        assert stream.bodies == ada.posted[:9], stream.name  # every message once, in order
        assert stream.ids == sorted(set(stream.ids)), stream.name
        resumed = stream.connections[-1]
        assert resumed == f"{first}?after={stream.ids[2]}", stream.connections
        assert [item.via for item in stream.received[3:]] == [first] * 6


async def lose_second_replica_while_posting(
    stage: Topology, poster: Poster, streams: list[LiveStream]
) -> None:
    """Three messages live, the replica stops, four while its clients are away, two more."""
    for number in range(3):
        await poster.post(unique(f"before {number}"))
    for stream in streams:
        await stream.wait_for_bodies(poster.posted)
        stream.may_reconnect.clear()  # hold the reconnect, as a page's retry delay does
    await asyncio.to_thread(stage.stop_process, "chat_svc-2")
    for stream in streams:
        await stream.wait_until_disconnected(1)
    for number in range(4):
        await poster.post(unique(f"while away {number}"))
    for stream in streams:
        stream.may_reconnect.set()
        await stream.wait_for_bodies(poster.posted)
    for number in range(2):
        await poster.post(unique(f"after {number}"))
    for stream in streams:
        await stream.wait_for_bodies(poster.posted)


async def restarted_replica_serves(
    restarted: str, other: str, visitor: Poster, poster_on_other: Poster
) -> None:
    """The page shows what was posted while it was down; messages flow both ways again."""
    async with chat_client(restarted, visitor.session_token) as client:
        page = await client.get("/rooms/general")
        assert page.status_code == 200
        for body in poster_on_other.posted[-5:]:
            assert body in page.text
        via_restarted = Poster(client, await chat_csrf_token(client))
        streams = [
            LiveStream("on the restarted replica", visitor.session_token, [restarted]),
            LiveStream("on the other replica", visitor.session_token, [other]),
        ]
        async with live_streams(*streams):
            await via_restarted.post(unique("from the restarted replica"))
            await poster_on_other.post(unique("to the restarted replica"))
            expected = [via_restarted.posted[-1], poster_on_other.posted[-1]]
            for stream in streams:
                await stream.wait_for_bodies(expected)
    for stream in streams:
        assert stream.bodies == expected, stream.name
