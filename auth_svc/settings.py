from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings, dev_secret


class AuthSettings(ServiceSettings):
    """auth_svc settings, from ``AUTH_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_")

    host: str = "127.0.0.1"
    port: int = 8001
    # Links in e-mails and redirects are built from these, never from request headers.
    public_url: str = "http://127.0.0.1:8001"
    chat_public_url: str = "http://127.0.0.1:8002"
    secret_key: str = Field(dev_secret("auth-secret-key"))
