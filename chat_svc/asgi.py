"""ASGI entry point: ``uvicorn chat_svc.asgi:app``. Settings come from the environment."""

import gc

from chat_svc.app import SERVICE, create_app
from chat_svc.settings import ChatSettings
from service_kit.logging_setup import configure_logging

settings = ChatSettings()
configure_logging(SERVICE, json_lines=settings.log_json, level=settings.log_level)
app = create_app(settings)
# What is alive now (modules, the app, its templates) lives as long as the process: the
# collector's full passes stop scanning it again. Each such pass paused the loop for 30-50 ms,
# which showed as the fan-out's p99 (docs/performance.md, "Issue 15").
gc.collect()
gc.freeze()
