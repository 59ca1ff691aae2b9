"""ASGI entry point: ``uvicorn mail_svc.asgi:app``. Settings come from the environment."""

from mail_svc.app import SERVICE, create_app
from mail_svc.settings import MailSettings
from service_kit.logging_setup import configure_logging

settings = MailSettings()
configure_logging(SERVICE, json_lines=settings.log_json, level=settings.log_level)
app = create_app(settings)
