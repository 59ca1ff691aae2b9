"""ASGI entry point: ``uvicorn auth_svc.asgi:app``. Settings come from the environment."""

from auth_svc.app import SERVICE, create_app
from auth_svc.settings import AuthSettings
from service_kit.logging_setup import configure_logging

settings = AuthSettings()
configure_logging(SERVICE, json_lines=settings.log_json, level=settings.log_level)
app = create_app(settings)
