"""chat_svc against real NATS, Valkey and the store; auth_svc's internal API is faked."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from nats.js import JetStreamContext
from quart import Quart

from chat_svc.app import create_app
from chat_svc.settings import ChatSettings
from devstack.binaries import MissingBinaryError, seaweedfs
from devstack.processes import ProcessGroup
from tests.integration.chat_svc.fake_auth import SERVICE_SECRET, FakeAuth
from tests.support.in_process import uvicorn_serving
from tests.support.servers import SeaweedServer, start_seaweedfs

AppFactory = Callable[..., Quart]


@pytest.fixture
def fake_auth(jetstream: JetStreamContext) -> FakeAuth:
    return FakeAuth(js=jetstream)


@pytest.fixture
def make_chat_app(infrastructure_env: dict[str, Any], fake_auth: FakeAuth) -> AppFactory:
    def make(**overrides: Any) -> Quart:
        # Pages of ten: the paging tests count in tens (the product's default is 30).
        base = {"service_secret": SERVICE_SECRET, "page_size": 10}
        settings = ChatSettings(**(infrastructure_env | base | overrides))
        return create_app(settings, auth_transport=httpx.ASGITransport(app=fake_auth))

    return make


@asynccontextmanager
async def serve(
    app: Quart, http: Any = "auto", lifespan: Literal["on", "off"] = "on"
) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn (tests/support/in_process.py) and yield its base URL.

    ``lifespan="off"`` when ``app.test_app()`` already started the app: an app starts once.
    """
    async with uvicorn_serving(app, http, lifespan=lifespan) as (port, _):
        yield f"http://127.0.0.1:{port}"


async def sign_in_state(client: Any, next_path: str = "/") -> str:
    """Start a sign-in at chat like a browser does; the state auth would carry back."""
    started = await client.get("/sign-in", query_string={"next": next_path})
    assert started.status_code == 303
    state: str = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    return state


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    match = CSRF_PATTERN.search(html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def message_ids_in(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-message-id="(\d+)"', html)]


# The S3 tier (``pytest -m s3``): SeaweedFS from scripts/build-seaweedfs, once per module;
# skipped when it is not built, except in CI (CI=1), where a missing build fails.
@pytest.fixture(scope="module")
def seaweed(
    server_group: ProcessGroup, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeaweedServer]:
    try:
        seaweedfs()
    except MissingBinaryError as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(missing))
    server = start_seaweedfs(server_group, tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()
