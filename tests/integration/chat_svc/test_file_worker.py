"""The files durable (chat_svc/files/processing/file_worker.py) on service_kit's
DurableConsumer: a malformed event is dead-lettered at once, not retried ten times."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from chat_svc.files.processing.file_events import FileAttached
from chat_svc.files.processing.file_worker import DURABLE
from service_kit.messaging.jetstream import DEAD_LETTER_PREFIX
from tests.integration.chat_svc.conftest import AppFactory


async def test_a_malformed_file_event_is_dead_lettered_at_once(
    make_chat_app: AppFactory,
    jetstream: JetStreamContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_FILES_DIR", str(tmp_path / "files"))
    async with make_chat_app().test_app():
        await jetstream.publish(FileAttached.SUBJECT, b"{not json")
        deadline = time.monotonic() + 15  # retried with backoff, it would take minutes
        while True:
            try:
                dead = await jetstream.get_last_msg(
                    "DEAD_LETTERS", f"{DEAD_LETTER_PREFIX}.{FileAttached.SUBJECT}"
                )
                break
            except NotFoundError:
                assert time.monotonic() < deadline, "not dead-lettered"
                await asyncio.sleep(0.2)
    assert dead.data == b"{not json"
    assert dead.headers is not None
    assert dead.headers["Dead-Letter-Consumer"] == DURABLE
    assert dead.headers["Dead-Letter-Reason"].startswith("malformed")
