"""Settings base: shared infrastructure from unprefixed variables, the rest per service prefix.

Shared infrastructure (``APP_ENV``, ``NATS_URL``, ``REDIS_URL``, ``MONGODB_URL``,
``MONGODB_DATABASE``) is read unprefixed because every service points at the same servers;
each service's own settings use its prefix (``AUTH_``, ``CHAT_``, ``MAIL_``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Anything that starts with this marker is a development placeholder: fine on a laptop,
# refused in production so a forgotten variable fails loudly at start-up.
DEV_SECRET_MARKER = "dev-only-"  # noqa: S105 - a marker, not a secret


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureSettingsError(ValueError):
    """A development-only value was found while ``APP_ENV=production``."""


def dev_secret(name: str) -> str:
    """A placeholder secret that is obviously not meant for production."""
    return f"{DEV_SECRET_MARKER}{name}-change-me"


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set ``env_prefix`` for their own fields."""

    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, validate_default=True
    )

    app_env: AppEnv = Field(AppEnv.DEVELOPMENT, validation_alias="APP_ENV")
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias="NATS_URL")
    # 1 for a single NATS server; 3 in a JetStream cluster (staging and production).
    nats_stream_replicas: int = Field(1, ge=1, le=5, validation_alias="NATS_STREAM_REPLICAS")
    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    # Unset means the in-memory document store (dev and CI only; see document_store.py).
    mongodb_url: str | None = Field(None, validation_alias="MONGODB_URL")
    mongodb_database: str = Field("chat_app", validation_alias="MONGODB_DATABASE")
    log_json: bool = Field(False, validation_alias="LOG_JSON")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # This service's own NATS user (nats/accounts.conf); subclasses set the defaults, read
    # from their prefix (AUTH_NATS_USER, AUTH_NATS_PASSWORD, ...). Empty: no credentials.
    nats_user: str = ""
    nats_password: str = ""
    # Shared secret that services present to each other's internal endpoints.
    service_secret: str = Field(dev_secret("service-secret"), validation_alias="SERVICE_SECRET")

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @model_validator(mode="after")
    def _refuse_dev_values_in_production(self) -> Self:
        if not self.is_production:
            return self
        offending = sorted(
            name
            for name, value in self.model_dump().items()
            if isinstance(value, str) and value.startswith(DEV_SECRET_MARKER)
        )
        if offending:
            raise InsecureSettingsError(
                "APP_ENV=production but these settings still hold development placeholders: "
                + ", ".join(offending)
            )
        if self.mongodb_url is None:
            raise InsecureSettingsError(
                "APP_ENV=production requires MONGODB_URL: the in-memory store loses all data"
            )
        return self

    def redacted(self) -> dict[str, Any]:
        """Settings safe to log: anything secret-looking is masked."""
        hidden = ("secret", "password", "key", "token")
        return {
            name: "***" if any(word in name for word in hidden) and value else value
            for name, value in self.model_dump(mode="json").items()
        }
