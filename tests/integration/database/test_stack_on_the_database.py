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
