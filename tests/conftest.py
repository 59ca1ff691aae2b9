"""Shared fixtures: real NATS, Valkey and database per session, a clean slate per test.

The database is the FerretDB these fixtures start, or the MongoDB that ``MONGODB_URL``
names (the same tests then prove the code on MongoDB); each test gets fresh databases.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from redis.asyncio import Redis

from devstack.processes import ProcessGroup
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import dev_admin_options
from service_kit.messaging.stream_setup import StreamSetupSettings, declare_streams_and_durables
from tests.support.servers import (
    FerretDbServer,
    NatsServer,
    RedisServer,
    start_ferretdb,
    start_nats,
    start_redis,
)
from tests.support.smtp_sink import SmtpSink
from tests.support.task_leaks import service_tasks_left


@pytest.fixture(autouse=True)
def no_service_task_outlives_its_test(request: pytest.FixtureRequest) -> None:
    """The async tests share one event loop: a service's background task left running (an
    app started twice, a consumer never stopped) would take later tests' events. (Browser
    tests are synchronous and run Playwright's own loop.)"""
    if inspect.iscoroutinefunction(request.function):
        request.getfixturevalue("service_tasks_checked")


@pytest.fixture
async def service_tasks_checked() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    left = await service_tasks_left(before)
    assert not left, f"service tasks still running after the test: {left}"


@pytest.fixture(scope="session")
def server_group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessGroup]:
    group = ProcessGroup(log_dir=tmp_path_factory.mktemp("server-logs"))
    yield group
    group.stop_all()


@pytest.fixture(scope="session")
def nats_server(server_group: ProcessGroup, tmp_path_factory: pytest.TempPathFactory) -> NatsServer:
    return start_nats(server_group, tmp_path_factory.mktemp("nats"))


@pytest.fixture(scope="session")
def redis_server(
    server_group: ProcessGroup, tmp_path_factory: pytest.TempPathFactory
) -> RedisServer:
    return start_redis(server_group, tmp_path_factory.mktemp("valkey"))


@pytest.fixture
def nats_url(nats_server: NatsServer) -> Iterator[str]:
    if not nats_server.running:  # a previous test took it down and failed before restoring
        nats_server.start()
    yield nats_server.url
    if not nats_server.running:
        nats_server.start()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    if not redis_server.running:
        redis_server.start()
    yield redis_server.url
    if not redis_server.running:
        redis_server.start()


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[NATS]:
    """A connection to a JetStream with no streams left over from earlier tests, and the
    streams and durables declared afresh by the set-up step (as the dev stack and compose run
    it)."""
    nc = await connect_nats(nats_url, "tests", **dev_admin_options())
    js = nc.jetstream()
    for stream in await js.streams_info():
        assert stream.config.name is not None
        await js.delete_stream(stream.config.name)
    await declare_streams_and_durables(StreamSetupSettings(nats_url=nats_url))
    yield nc
    await nc.close()


@pytest.fixture
def jetstream(nats_client: NATS) -> JetStreamContext:
    return nats_client.jetstream()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def ferretdb_server(
    server_group: ProcessGroup, tmp_path_factory: pytest.TempPathFactory
) -> FerretDbServer | None:
    if os.environ.get("MONGODB_URL"):
        return None
    return start_ferretdb(server_group, tmp_path_factory.mktemp("ferretdb"))


@pytest.fixture
def mongodb_url(ferretdb_server: FerretDbServer | None) -> Iterator[str]:
    if ferretdb_server is None:
        yield os.environ["MONGODB_URL"]
        return
    if not ferretdb_server.running:  # a previous test took it down and failed before restoring
        ferretdb_server.start()
    yield ferretdb_server.url
    if not ferretdb_server.running:
        ferretdb_server.start()


@pytest.fixture
async def mongodb_database(mongodb_url: str) -> AsyncIterator[str]:
    """A base name no other test uses; every database under it is dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongodb_url)
    for database in await client.list_database_names():
        if database.startswith(name):
            await client.drop_database(database)
    await client.close()


@pytest.fixture
def infrastructure_env(
    nats_client: NATS,
    redis_client: Redis,
    nats_url: str,
    redis_url: str,
    mongodb_url: str,
    mongodb_database: str,
) -> dict[str, object]:
    """Settings fields that point a service at the test servers with a clean slate."""
    return {
        "app_env": "test",
        "nats_url": nats_url,
        "redis_url": redis_url,
        "mongodb_url": mongodb_url,
        "mongodb_database": mongodb_database,
    }


@pytest.fixture
async def smtp_sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        elif "e2e" in parts:
            item.add_marker(pytest.mark.e2e)
    # Browser tests last: sync Playwright keeps its own event loop running in this thread
    # until the session ends, and pytest-asyncio cannot run async tests after that.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
