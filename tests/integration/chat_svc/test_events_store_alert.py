"""CHAT_EVENTS' storage filling (issue 28, "Posts acknowledged by the log": an alert long
before posts are refused, never a silent loss): ``/readyz`` says how full the stream is
against its declared ``max_bytes`` and alerts past 70%, with an error in the log."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy

from service_kit.messaging.jetstream import load_topology
from tests.integration.chat_svc.conftest import AppFactory

SMALL_LIMIT = 1024 * 1024
FILLER = "chat.mention_digest.requested"  # on CHAT_EVENTS, pulled by no chat durable


async def test_readyz_alerts_as_the_events_stream_fills(
    make_chat_app: AppFactory, jetstream: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    (declared,) = [s for s in load_topology().streams if s.name == "CHAT_EVENTS"]
    assert declared.max_bytes and declared.discard == DiscardPolicy.NEW  # refused, not dropped
    app = make_chat_app(posts_acknowledged_by="log")
    async with app.test_app() as test_app:
        client = test_app.test_client()

        async def store_report() -> dict[str, object]:
            readiness = json.loads(await (await client.get("/readyz")).get_data(as_text=True))
            report: dict[str, object] = readiness["reports"]["history_writer"]
            return report

        before = await store_report()
        assert before["store_limit_bytes"] == declared.max_bytes
        assert before["store_alert"] is False
        # The same stream with a limit a test can fill (as the setup step would declare it).
        await jetstream.update_stream(dataclasses.replace(declared, max_bytes=SMALL_LIMIT))
        for _ in range(15):  # 750 KB of the 1 MB
            await jetstream.publish(FILLER, b"x" * 50_000)
        with caplog.at_level(logging.ERROR, logger="chat_svc.history_writer.events_store"):
            after = await store_report()
        assert after["store_limit_bytes"] == SMALL_LIMIT and after["store_alert"] is True
        full = after["store_full"]
        assert isinstance(full, float) and 0.7 <= full < 1.0
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("storage for CHAT_EVENTS is" in e and "max_file_store" in e for e in errors)
