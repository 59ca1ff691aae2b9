from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings


class MailSettings(ServiceSettings):
    """mail_svc settings, from ``MAIL_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="MAIL_")

    # mail_svc is a worker; this port serves only /healthz, /readyz and /metrics.
    host: str = "127.0.0.1"
    port: int = 8003
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    sender: str = "Chat <no-reply@chat.localhost>"
