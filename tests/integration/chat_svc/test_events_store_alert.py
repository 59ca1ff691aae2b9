"""CHAT_EVENTS' storage filling (issue 28, "Posts acknowledged by the log": an alert long
before posts are refused, never a silent loss): ``/readyz`` says how full it is against the
server's ``max_file_store`` and alerts past 70%, with an error in the log. A NATS server of
its own, with a 1 MB store, serves this module."""

from __future__ import annotations

import json
import logging
import shutil

import pytest
from nats.js import JetStreamContext

from devstack.processes import ProcessGroup, free_port
from devstack.servers import NATS_ACCOUNTS, nats_command
from service_kit.messaging.nats_credentials import server_environment
from tests.integration.chat_svc.conftest import AppFactory
from tests.support.servers import NatsServer

STORE_BYTES = 1024 * 1024
FILLER = "chat.mention_digest.requested"  # on CHAT_EVENTS, pulled by no chat durable


@pytest.fixture(scope="module")
def small_store_nats(
    server_group: ProcessGroup, tmp_path_factory: pytest.TempPathFactory
) -> NatsServer:
    directory = tmp_path_factory.mktemp("nats-small-store")
    shutil.copy(NATS_ACCOUNTS, directory / NATS_ACCOUNTS.name)
    config = directory / "nats-server.conf"
    config.write_text(
        f"include ./{NATS_ACCOUNTS.name}\njetstream {{\n  max_file_store: {STORE_BYTES}\n}}\n"
    )
    port, monitor = free_port(), free_port()
    argv = nats_command(port, monitor, directory / "store")
    argv[argv.index(str(NATS_ACCOUNTS))] = str(config)
    server = NatsServer(
        name=f"nats-small-store-{port}",
        argv=argv,
        probe_url=f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true",
        port=port,
        group=server_group,
        env=server_environment(),
    )
    server.start()
    return server


@pytest.fixture
def nats_url(small_store_nats: NatsServer) -> str:
    return small_store_nats.url


async def test_readyz_alerts_as_the_events_store_fills(
    make_chat_app: AppFactory, jetstream: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_chat_app(posts_acknowledged_by="log")
    async with app.test_app() as test_app:
        client = test_app.test_client()

        async def store_report() -> dict[str, object]:
            readiness = json.loads(await (await client.get("/readyz")).get_data(as_text=True))
            report: dict[str, object] = readiness["reports"]["history_writer"]
            return report

        before = await store_report()
        assert before["store_limit_bytes"] == STORE_BYTES and before["store_alert"] is False
        for _ in range(15):  # 750 KB of the 1 MB
            await jetstream.publish(FILLER, b"x" * 50_000)
        with caplog.at_level(logging.ERROR, logger="chat_svc.history_writer.events_store"):
            after = await store_report()
        assert after["store_alert"] is True
        full = after["store_full"]
        assert isinstance(full, float) and 0.7 <= full < 1.0
        assert after["stream_bytes"] == after["store_bytes"]  # the only stream with data
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("storage for CHAT_EVENTS is" in e and "max_file_store" in e for e in errors)
