"""Structured logging: key=value lines for people in dev, JSON lines for machines in prod.

Fields passed with ``extra={...}`` become structured fields in both formats. The redaction
is a ``logging.Filter``, not part of a formatter: the ASGI servers' access loggers write
through their own handlers and formatters, and it must reach those too.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)


# Query parameters that open an account: set-password and reset tokens, the hand-off code.
_SECRET_PARAMETER = re.compile(r"([?&](?:token|code)=)[^&#\s\"']*", re.IGNORECASE)
# Path segments that act for someone: the one-click unsubscribe token of mention e-mails.
_SECRET_SEGMENT = re.compile(r"(/unsubscribe/mentions/)[^/?#\s\"']+")
# Loggers with their own handlers (propagate off) that write request lines.
ACCESS_LOGGERS = ("uvicorn.access", "hypercorn.access")


def redact_secrets(text: str) -> str:
    """``/reset-password?token=abc&x=1`` -> ``/reset-password?token=[redacted]&x=1``, and
    ``/unsubscribe/mentions/v1.abc`` -> ``/unsubscribe/mentions/[redacted]``."""
    return _SECRET_SEGMENT.sub(r"\1[redacted]", _SECRET_PARAMETER.sub(r"\1[redacted]", text))


def _redacted_arg(value: object) -> object:
    if isinstance(value, (int, float)) or value is None:
        return value
    text = str(value)  # URLs arrive as objects too (httpx logs its URL type)
    redacted = redact_secrets(text)
    return redacted if redacted != text else value


class RedactSecretParameters(logging.Filter):
    """Rewrites a record's message and arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redacted_arg(arg) for key, arg in record.args.items()}
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class KeyValueFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        fields = " ".join(f"{k}={v}" for k, v in _extra_fields(record).items())
        line = f"{time} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if fields:
            line += f"  {fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def json_formatter(service: str) -> logging.Formatter:
    """One JSON object a line: time, level, service, logger, message, the ``extra`` fields
    and the traceback, if any (python-json-logger; values it cannot encode become strings)."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "message": "msg", "exc_info": "exc"},
        static_fields={"service": service},
        timestamp="ts",
    )


def configure_logging(service: str, *, json_lines: bool, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter(service) if json_lines else KeyValueFormatter(service))
    redaction = RedactSecretParameters()
    handler.addFilter(redaction)
    for name in ACCESS_LOGGERS:  # configured by the ASGI server before our code runs
        access = logging.getLogger(name)
        access.filters[:] = [f for f in access.filters if not isinstance(f, RedactSecretParameters)]
        access.addFilter(redaction)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Per-request access lines come from the ASGI server; keep library chatter down.
    for noisy in ("nats", "pymongo", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class ThrottledLog:
    """At most one line per ``interval`` (a dead dependency fails every request)."""

    def __init__(self, logger: logging.Logger, interval: float) -> None:
        self.logger = logger
        self.interval = interval
        self._last = -interval
        self._suppressed = 0

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            return
        suffix = f" ({self._suppressed} more since the last line)" if self._suppressed else ""
        self.logger.warning(message + suffix, *args)
        self._last, self._suppressed = now, 0
