"""The alert past CHAT_HISTORY_LAG_ALERT_SECONDS: logged as an error at most once a minute."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from nats.js import JetStreamContext

from chat_svc.history_writer.writer_lag import WriterLag


def lag(alert_seconds: float) -> WriterLag:
    # The JetStream context serves only report(); these tests never call it.
    return WriterLag(cast(JetStreamContext, None), "CHAT_EVENTS", "chat_svc_history", alert_seconds)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_behind_past_the_alert_logs_one_error_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    writer = lag(alert_seconds=60)
    writer.writing(datetime.now(UTC) - timedelta(seconds=120))
    with caplog.at_level(logging.WARNING):
        for attempt in range(1, 4):
            writer.retrying(ConnectionError("database down"), attempt)
    assert len(errors(caplog)) == 1
    assert "behind the log" in errors(caplog)[0]
    assert writer.age_seconds() >= 120


def test_behind_within_the_alert_only_warns(caplog: pytest.LogCaptureFixture) -> None:
    writer = lag(alert_seconds=3600)
    writer.writing(datetime.now(UTC) - timedelta(seconds=120))
    with caplog.at_level(logging.WARNING):
        writer.retrying(ConnectionError("database down"), 1)
    assert errors(caplog) == []
    writer.caught_up()
    assert writer.age_seconds() == 0.0
