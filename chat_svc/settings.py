from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from service_kit.settings import ServiceSettings, dev_secret


class ChatSettings(ServiceSettings):
    """chat_svc settings, from ``CHAT_*`` variables (shared infrastructure unprefixed)."""

    model_config = SettingsConfigDict(env_prefix="CHAT_")

    host: str = "127.0.0.1"
    port: int = 8002
    public_url: str = "http://127.0.0.1:8002"
    # Where browsers are sent to sign in, and where chat calls auth server-to-server.
    auth_public_url: str = "http://127.0.0.1:8001"
    auth_internal_url: str = "http://127.0.0.1:8001"
    secret_key: str = Field(dev_secret("chat-secret-key"))
