"""mail_svc application factory: a worker with a small HTTP port for health and metrics."""

from __future__ import annotations

from pathlib import Path

from quart import Quart

from mail_svc.blueprints.metrics import metrics
from mail_svc.lib.mail_worker import DURABLES, manage_mail_worker
from mail_svc.settings import MailSettings
from service_kit.lifecycle import manage_infrastructure
from service_kit.serving.error_pages import install_error_pages
from service_kit.serving.web import create_base_app

SERVICE = "mail_svc"


def create_app(settings: MailSettings | None = None) -> Quart:
    settings = settings or MailSettings()
    app = create_base_app(__name__, Path(__file__).parent / "templates")
    app.extensions["settings"] = settings
    manage_infrastructure(app, settings, SERVICE, durables=DURABLES)
    manage_mail_worker(app, settings)
    install_error_pages(app)
    app.register_blueprint(metrics)
    return app
