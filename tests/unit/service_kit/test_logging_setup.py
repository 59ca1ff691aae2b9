"""Production log lines: one JSON object each, with the fields the log shippers read, the
``extra`` fields, and no secret from a URL."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import pytest

from service_kit.logging_setup import RedactSecretParameters, json_formatter


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter("chat_svc"))
    handler.addFilter(RedactSecretParameters())
    logger = logging.getLogger("tests.json_lines")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_a_line_is_one_json_object_with_the_extra_fields(
    lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = lines
    event_id = UUID("6f1c2a52-4a8e-4d0e-9a43-0f1d8c1f4b11")
    logger.warning("opened %s", "/set-password?token=SECRET", extra={"event_id": event_id})
    [line] = stream.getvalue().splitlines()
    fields = json.loads(line)
    assert {k: fields[k] for k in ("level", "service", "logger", "msg", "event_id")} == {
        "level": "WARNING",
        "service": "chat_svc",
        "logger": "tests.json_lines",
        "msg": "opened /set-password?token=[redacted]",
        "event_id": str(event_id),
    }
    assert datetime.fromisoformat(fields["ts"]).utcoffset() is not None


def test_a_traceback_travels_in_its_own_field(lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = lines
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        logger.exception("failed")
    [fields] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert fields["msg"] == "failed"
    assert "RuntimeError: broken" in fields["exc"]
