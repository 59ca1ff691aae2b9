"""Settings base: shared infrastructure from unprefixed variables, the rest per service prefix.

Shared infrastructure (``APP_ENV``, ``NATS_URL``, ``REDIS_URL``, ``MONGODB_URL``,
``MONGODB_DATABASE``; each service uses the database ``<MONGODB_DATABASE>_<service>``) is
read unprefixed because every service points at the same servers;
each service's own settings use its prefix (``AUTH_``, ``CHAT_``, ``MAIL_``).
"""

from __future__ import annotations

import math
import string
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.messaging.nats_passwords import nats_password_problem

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


MIN_SECRET_BITS = 256  # 32 bytes, what secrets.token_urlsafe(32) gives
MIN_DISTINCT_CHARACTERS = 12
_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "-_+/=")
_CLASSES = (
    (frozenset(string.ascii_lowercase), 26),
    (frozenset(string.ascii_uppercase), 26),
    (frozenset(string.digits), 10),
    (frozenset(string.punctuation + " "), 33),
)


def estimated_entropy_bits(secret: str) -> float:
    """An upper bound on a secret's entropy: its length times the bits of its alphabet
    (hex, base64, or the character classes it uses). Too few distinct characters count as
    none: a long run of one letter is not random."""
    characters = frozenset(secret)
    if len(characters) < MIN_DISTINCT_CHARACTERS:
        return 0.0
    if characters <= _HEX:
        alphabet = 16
    elif characters <= _BASE64:
        alphabet = 64
    else:
        alphabet = sum(size for members, size in _CLASSES if characters & members)
        alphabet += 128 if any(ord(ch) > 0x7E for ch in secret) else 0
    return len(secret) * math.log2(alphabet)


def is_secret_field(name: str) -> bool:
    return "secret" in name


def is_public_url_field(name: str) -> bool:
    return name.endswith("public_url")


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
    # Each Redis client's pool holds at most this many connections; a command waits at most
    # REDIS_POOL_TIMEOUT seconds for one, then the request answers 503 (service_kit/redis_pool).
    redis_max_connections: int = Field(64, ge=1, validation_alias="REDIS_MAX_CONNECTIONS")
    redis_pool_timeout: float = Field(0.5, gt=0, validation_alias="REDIS_POOL_TIMEOUT")
    # Writes (POST, ...) one process serves at a time; more answer 503 at once with
    # Retry-After, so overload degrades and the loop stays responsive (service_kit/admission).
    max_writes_in_flight: int = Field(32, ge=1, validation_alias="MAX_WRITES_IN_FLIGHT")
    # The dev default is the FerretDB that `./run dev` starts; production must name its own.
    mongodb_url: str = Field("mongodb://127.0.0.1:27017/", validation_alias="MONGODB_URL")
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

    @field_validator("nats_password")
    @classmethod
    def _password_the_server_reads_as_given(cls, password: str) -> str:
        # The same password is given to nats-server, which would misread it (and refuse us).
        problem = nats_password_problem(password) if password else None
        if problem:
            raise ValueError(problem)
        return password

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
        values = self.model_dump()
        weak = sorted(
            name
            for name, value in values.items()
            if is_secret_field(name)
            and isinstance(value, str)
            and estimated_entropy_bits(value) < MIN_SECRET_BITS
        )
        if weak:
            raise InsecureSettingsError(
                "APP_ENV=production needs secrets of at least 32 bytes of entropy (e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'): " + ", ".join(weak)
            )
        plain = sorted(
            name
            for name, value in values.items()
            if is_public_url_field(name)
            and isinstance(value, str)
            and not value.startswith("https://")
        )
        if plain:
            raise InsecureSettingsError(
                "APP_ENV=production needs https:// public URLs: " + ", ".join(plain)
            )
        if "mongodb_url" not in self.model_fields_set:
            raise InsecureSettingsError(
                "APP_ENV=production requires MONGODB_URL (the default is the dev database)"
            )
        return self

    def redacted(self) -> dict[str, Any]:
        """Settings safe to log: anything secret-looking is masked."""
        hidden = ("secret", "password", "key", "token")
        return {
            name: "***" if any(word in name for word in hidden) and value else value
            for name, value in self.model_dump(mode="json").items()
        }
