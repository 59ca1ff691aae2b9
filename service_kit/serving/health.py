"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies do)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from quart import (
    Blueprint,
)
from quart.typing import ResponseReturnValue

from service_kit.infrastructure import ReadinessCheck

log = logging.getLogger(__name__)

Report = Callable[[], Awaitable[Mapping[str, object]]]


def health_blueprint(
    checks: Mapping[str, ReadinessCheck] | None = None, timeout: float = 2.0
) -> Blueprint:
    """``/healthz``: the process answers. ``/readyz``: every dependency answers in time.

    ``checks`` may be filled in after start-up (connections open in ``before_serving``).
    """
    blueprint = Blueprint("health", __name__)
    registered: dict[str, ReadinessCheck] = dict(checks or {})
    blueprint.checks = registered  # type: ignore[attr-defined]
    # Shown by /readyz, never failing it (chat's history writer lag: chat_svc/history_writer/).
    reports: dict[str, Report] = {}
    blueprint.reports = reports  # type: ignore[attr-defined]

    @blueprint.get("/healthz")
    async def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    @blueprint.get("/readyz")
    async def readyz() -> ResponseReturnValue:
        results: dict[str, str] = {}
        for name, check in registered.items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as error:
                results[name] = f"failing: {type(error).__name__}: {error}"[:200]
        ready = bool(registered) and all(v == "ok" for v in results.values())
        answer: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": results}
        if reports:
            answer["reports"] = {
                name: await _reported(report, timeout) for name, report in reports.items()
            }
        return answer, (200 if ready else 503)

    return blueprint


async def _reported(report: Report, seconds: float) -> Mapping[str, object] | str:
    try:
        return await asyncio.wait_for(report(), seconds)
    except Exception as error:
        return f"unavailable: {type(error).__name__}: {error}"[:200]
