"""``/metrics``: counters since this process started, as JSON."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from mail_svc.lib.mail_worker import mail_worker_of

metrics = Blueprint("metrics", __name__)


@metrics.get("/metrics")
async def show_metrics() -> ResponseReturnValue:
    worker = mail_worker_of()
    if worker is None:
        return {"error": "worker not running"}, 503
    return worker.metrics()
