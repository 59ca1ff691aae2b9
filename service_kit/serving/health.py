"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies do)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from quart import (
    Blueprint,
)
from quart.typing import ResponseReturnValue

from service_kit.infrastructure import ReadinessCheck

log = logging.getLogger(__name__)


def health_blueprint(
    checks: Mapping[str, ReadinessCheck] | None = None, timeout: float = 2.0
) -> Blueprint:
    """``/healthz``: the process answers. ``/readyz``: every dependency answers in time.

    ``checks`` may be filled in after start-up (connections open in ``before_serving``).
    """
    blueprint = Blueprint("health", __name__)
    registered: dict[str, ReadinessCheck] = dict(checks or {})
    blueprint.checks = registered  # type: ignore[attr-defined]

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
        return {"status": "ready" if ready else "not ready", "checks": results}, (
            200 if ready else 503
        )

    return blueprint
