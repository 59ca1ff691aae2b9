"""auth_svc application factory."""

from __future__ import annotations

from pathlib import Path

from quart import Quart

from auth_svc.blueprints.pages import pages
from auth_svc.settings import AuthSettings
from service_kit.lifecycle import manage_infrastructure
from service_kit.web import create_base_app, install_error_pages, install_security_headers

SERVICE = "auth_svc"


def create_app(settings: AuthSettings | None = None) -> Quart:
    settings = settings or AuthSettings()
    app = create_base_app(__name__, Path(__file__).parent / "templates")
    app.config["SECRET_KEY"] = settings.secret_key
    app.extensions["settings"] = settings
    manage_infrastructure(app, settings, SERVICE, models=())
    install_security_headers(app, form_action_origins=[settings.chat_public_url])
    install_error_pages(app)
    app.register_blueprint(pages)
    return app
