"""The whole stack on its real database: data survives a restart, and a database that dies
while the stack serves costs 503s, never a 500 or an acknowledged message."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from devstack.processes import ProcessGroup, free_port
from devstack.servers import StackPorts
from devstack.topology import Topology, start_topology
from service_kit.storage.document_store import service_database_name
from tests.support.http_accounts import (
    HttpAccounts,
    Mailbox,
    chat_csrf_token,
    post_message,
)

PASSWORD = "persistent horse battery staple"
GENEROUS_LIMITS = {"CHAT_MESSAGE_RATE_COUNT": "1000", "AUTH_SIGN_IN_PER_IP": "1000"}

pytestmark = [
    pytest.mark.slow,  # whole stacks, started and killed: `./run test-slow`
    pytest.mark.skipif(
        bool(os.environ.get("MONGODB_URL")), reason="starts and kills the stack's own FerretDB"
    ),
]


@pytest.fixture
def stack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GENEROUS_LIMITS.items():
        monkeypatch.setenv(name, value)
    # The two tests on this fixture hold posts acknowledged by the database to its own
    # promises (stored when answered, 503 while down); the log's are tested further down.
    monkeypatch.setenv("CHAT_POSTS_ACKNOWLEDGED_BY", "database")


def start(data_dir: Path, ports: StackPorts) -> Topology:
    return start_topology(
        data_dir, ProcessGroup(log_dir=data_dir / "logs"), ports=ports, app_env="test"
    )


@pytest.fixture
def running(tmp_path: Path, stack_env: None) -> Iterator[Topology]:
    topology = start(tmp_path, StackPorts(*(free_port() for _ in fields(StackPorts))))
    try:
        yield topology
    finally:
        topology.stop()


def accounts_of(topology: Topology) -> HttpAccounts:
    return HttpAccounts(topology.auth_url, Mailbox(topology.mail_api_url))


@pytest.mark.timeout(180)
async def test_accounts_and_messages_survive_a_restart_of_the_whole_stack(
    tmp_path: Path, stack_env: None
) -> None:
    ports = StackPorts(*(free_port() for _ in fields(StackPorts)))
    bodies = [f"kept across restarts {n} ✓ <b>" for n in range(3)]
    topology = start(tmp_path, ports)
    try:
        accounts = accounts_of(topology)
        chat = await accounts.new_chat_user(
            "keeper@example.com", "Keeper", topology.chat_urls[0], PASSWORD
        )
        try:
            token = await chat_csrf_token(chat)
            for body in bodies:
                assert (await post_message(chat, body, token)).status_code == 303
        finally:
            await chat.aclose()
    finally:
        topology.stop()

    topology = start(tmp_path, ports)  # same data dir: NATS, FerretDB; Valkey starts empty
    try:
        accounts = accounts_of(topology)
        chat = await accounts.sign_in_to_chat("keeper@example.com", topology.chat_urls[0], PASSWORD)
        try:
            page = await chat.get("/rooms/general")
        finally:
            await chat.aclose()
    finally:
        topology.stop()
    assert page.status_code == 200
    escaped = [body.replace("<", "&lt;").replace(">", "&gt;") for body in bodies]
    positions = [page.text.index(body) for body in escaped]
    assert positions == sorted(positions)  # all three, in the order they were sent


@pytest.mark.timeout(180)
async def test_a_database_killed_while_serving_costs_503s_and_loses_nothing_acknowledged(
    running: Topology,
) -> None:
    accounts = accounts_of(running)
    chat_url = running.chat_urls[0]
    chat = await accounts.new_chat_user("steady@example.com", "Steady", chat_url, PASSWORD)
    acknowledged: list[str] = []
    answers: list[tuple[float, int, str]] = []  # (seconds since the restart or -1, status, body)
    restarted_at: float | None = None
    try:
        csrf = await chat_csrf_token(chat)

        async def post(number: int) -> None:
            body = f"steady {number}"
            try:
                response = await post_message(chat, body, csrf)
            except httpx.TimeoutException:
                answers.append((-1, 0, "client timeout"))
                return
            since = time.monotonic() - restarted_at if restarted_at else -1.0
            answers.append((since, response.status_code, response.text))
            if response.status_code == 303:
                acknowledged.append(body)

        number = 0
        for _ in range(5):
            await post(number := number + 1)
        ferretdb = running.processes["ferretdb"]
        os.kill(ferretdb.process.pid, signal.SIGKILL)
        ferretdb.process.wait()
        down_until = time.monotonic() + 4
        while time.monotonic() < down_until:
            await post(number := number + 1)
        sign_in_while_down = await _sign_in_status(running.auth_url)
        await asyncio.to_thread(running.start_ferretdb, tmp_dir(running))
        restarted_at = time.monotonic()
        while time.monotonic() - restarted_at < 12:
            await post(number := number + 1)
            await asyncio.sleep(0.1)
    finally:
        await chat.aclose()

    statuses = [status for _, status, _ in answers]
    assert set(statuses) <= {303, 503}, statuses  # never a 500, never a hang
    assert 503 in statuses
    assert all("nothing you just sent was saved" in text for _, s, text in answers if s == 503), [
        (round(t, 2), s, text[-600:])
        for t, s, text in answers
        if s == 503 and "nothing you just sent" not in text
    ]
    assert sign_in_while_down == 503
    # Working again within 10 s of the database coming back, with no restart of our services.
    late = [status for since, status, _ in answers if since > 10]
    assert late and set(late) == {303}, answers[-10:]
    # Everything acknowledged is stored, once.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(running.env["MONGODB_URL"])
    try:
        name = service_database_name(os.environ.get("MONGODB_DATABASE", "chat_app"), "chat_svc")
        stored = [str(doc["body"]) async for doc in client[name]["messages"].find({})]
    finally:
        await client.close()
    assert sorted(stored) == sorted(acknowledged)


def tmp_dir(topology: Topology) -> Path:
    """The FerretDB data dir the topology started with (from its command line)."""
    argv = topology.processes["ferretdb"].process.args
    assert isinstance(argv, list)
    return Path(str(argv[argv.index("--state-dir") + 1]))


async def _sign_in_status(auth_url: str) -> int:
    from tests.support.http_accounts import submit_form

    async with httpx.AsyncClient(base_url=auth_url, timeout=15) as auth:
        fields = {"email": "steady@example.com", "password": PASSWORD}
        response = await submit_form(auth, "/sign-in", fields)
    return response.status_code


@pytest.fixture
def logged_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Topology]:
    """Posts acknowledged by the log (chat_svc/history_writer/), with the settings' own
    session cache: auth_svc's session checks read its Valkey index (auth_svc/lookups/), so
    they go on answering while the database is down."""
    for name, value in GENEROUS_LIMITS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHAT_MESSAGE_RATE_COUNT", "100000")
    monkeypatch.setenv("CHAT_POSTS_ACKNOWLEDGED_BY", "log")
    topology = start(tmp_path, StackPorts(*(free_port() for _ in fields(StackPorts))))
    try:
        yield topology
    finally:
        topology.stop()


OUTAGE_SECONDS = 30.0
PACE_SECONDS = 0.02  # 50 messages a second, one after another (their ids in posting order)


@pytest.mark.timeout(300)
async def test_with_posts_acknowledged_by_the_log_a_database_outage_loses_and_doubles_nothing(
    logged_stack: Topology,
) -> None:
    chat = await accounts_of(logged_stack).new_chat_user(
        "logged@example.com", "Logged", logged_stack.chat_urls[0], PASSWORD
    )
    acknowledged: dict[int, str] = {}  # message id -> body, from each 303's Location
    statuses: list[int] = []
    try:
        csrf = await chat_csrf_token(chat)

        async def post_for(seconds: float) -> None:
            number, until = len(statuses), time.monotonic() + seconds
            while (now := time.monotonic()) < until:
                body = f"logged {number}"
                response = await post_message(chat, body, csrf)
                statuses.append(response.status_code)
                if response.status_code == 303:
                    acknowledged[int(response.headers["location"].rsplit("-", 1)[1])] = body
                number += 1
                await asyncio.sleep(max(0.0, now + PACE_SECONDS - time.monotonic()))

        await post_for(2)
        ferretdb = logged_stack.processes["ferretdb"]
        os.kill(ferretdb.process.pid, signal.SIGKILL)
        ferretdb.process.wait()
        posted_before = len(statuses)
        await post_for(OUTAGE_SECONDS)
        during = statuses[posted_before:]
        rooms_while_down = await chat.get("/rooms")
        people_while_down = await chat.get("/people")
        lag_while_down = (await chat.get("/readyz")).json()["reports"]["history_writer"]
        await asyncio.to_thread(logged_stack.start_ferretdb, tmp_dir(logged_stack))
        await post_for(2)
    finally:
        await chat.aclose()

    # Posting went on through the outage, at about the pace asked (a loaded machine: >= 20/s).
    assert set(during) == {303}, sorted(set(during))
    assert len(during) >= OUTAGE_SECONDS * 20, len(during)
    # Reads that need the database said so meanwhile (the room directory lists the stored
    # rooms); the people list is the directory's, in Valkey since start-up.
    assert rooms_while_down.status_code == 503
    assert "database is not answering" in rooms_while_down.text
    assert people_while_down.status_code == 200
    # /readyz reported how far the database was behind (held since the kill, ~30 s).
    assert lag_while_down["lag_seconds"] >= OUTAGE_SECONDS / 2, lag_while_down
    # Every acknowledged message stored once, in the order of its ids, once the writer caught up.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(logged_stack.env["MONGODB_URL"])
    try:
        name = service_database_name(os.environ.get("MONGODB_DATABASE", "chat_app"), "chat_svc")
        messages = client[name]["messages"]
        async with asyncio.timeout(90):
            while await messages.count_documents({}) < len(acknowledged):
                await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # nothing more arrives: no doubles written late
        stored = [(int(str(d["message_id"])), str(d["body"])) async for d in messages.find({})]
    finally:
        await client.close()
    assert len(stored) == len(acknowledged)
    assert dict(stored) == acknowledged
    assert [message_id for message_id, _ in stored] == sorted(acknowledged)
