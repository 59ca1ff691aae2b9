"""ASGI entry point: ``uvicorn chat_svc.asgi:app``. Settings come from the environment."""

from chat_svc.app import SERVICE, create_app
from chat_svc.settings import ChatSettings
from service_kit.logging_setup import configure_logging

settings = ChatSettings()
configure_logging(SERVICE, json_lines=settings.log_json, level=settings.log_level)
app = create_app(settings)
