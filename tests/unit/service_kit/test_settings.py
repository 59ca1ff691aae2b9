import secrets

import pytest
from pydantic import ValidationError

from auth_svc.settings import AuthSettings
from chat_svc.settings import ChatSettings
from mail_svc.settings import MailSettings
from service_kit.settings import AppEnv, InsecureSettingsError


def test_service_fields_are_read_with_the_service_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_PORT", "9101")
    monkeypatch.setenv("CHAT_PORT", "9102")
    monkeypatch.setenv("NATS_URL", "nats://10.0.0.1:4222")
    assert AuthSettings().port == 9101
    assert ChatSettings().port == 9102
    assert ChatSettings().nats_url == "nats://10.0.0.1:4222"


@pytest.mark.parametrize("settings_class", [AuthSettings, ChatSettings])
def test_production_refuses_development_secrets(
    monkeypatch: pytest.MonkeyPatch, settings_class: type[AuthSettings | ChatSettings]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    with pytest.raises(ValidationError, match="development placeholders"):
        settings_class()


@pytest.mark.parametrize(
    ("settings_class", "names"),
    [
        (AuthSettings, "link_seal_key, nats_password"),
        (ChatSettings, "nats_password"),
        (MailSettings, "link_seal_key, nats_password"),
    ],
)
def test_production_refuses_the_development_nats_password_and_seal_key(
    monkeypatch: pytest.MonkeyPatch, settings_class: type[AuthSettings], names: str
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    for name in ("SERVICE_SECRET", "AUTH_SECRET_KEY", "CHAT_SECRET_KEY"):
        monkeypatch.setenv(name, "x" * 40)
    with pytest.raises(ValidationError, match=f"placeholders: {names} \\["):
        settings_class()


def test_production_requires_its_own_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVICE_SECRET", secrets.token_urlsafe(32))
    monkeypatch.setenv("MAIL_NATS_PASSWORD", "n" + secrets.token_hex(32))
    monkeypatch.setenv("LINK_SEAL_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("MAIL_PUBLIC_URL", "https://chat.example")
    with pytest.raises(ValidationError, match="MONGODB_URL"):
        MailSettings()


def test_production_accepts_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    for name, value in production_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AUTH_INTERNAL_PORT")
    with pytest.raises(ValidationError, match="AUTH_INTERNAL_PORT"):
        AuthSettings()
    monkeypatch.setenv("AUTH_INTERNAL_PORT", "8001")
    settings = AuthSettings()
    assert settings.app_env is AppEnv.PRODUCTION
    assert settings.redacted()["secret_key"] == "***"


def test_insecure_settings_error_is_a_value_error() -> None:
    # pydantic only turns ValueErrors raised in validators into ValidationErrors.
    assert issubclass(InsecureSettingsError, ValueError)


def production_environment() -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "MONGODB_URL": "mongodb://db:27017",
        "SERVICE_SECRET": secrets.token_urlsafe(32),
        "AUTH_SECRET_KEY": secrets.token_hex(32),
        "AUTH_PUBLIC_URL": "https://chat.example/auth",
        "AUTH_CHAT_PUBLIC_URL": "https://chat.example",
        "AUTH_NATS_PASSWORD": "n" + secrets.token_hex(32),
        "LINK_SEAL_KEY": secrets.token_urlsafe(32),
        "AUTH_INTERNAL_PORT": "8001",
    }


@pytest.mark.parametrize(
    ("name", "weak"),
    [
        ("SERVICE_SECRET", "a"),
        ("SERVICE_SECRET", "s" * 64),  # long, but one character repeated
        ("SERVICE_SECRET", secrets.token_hex(8)),  # random, but only 64 bits
        ("AUTH_SECRET_KEY", "correct-horse"),
    ],
)
def test_production_refuses_weak_secrets(
    monkeypatch: pytest.MonkeyPatch, name: str, weak: str
) -> None:
    for variable, value in (production_environment() | {name: weak}).items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=f"32 bytes.*{name.lower().removeprefix('auth_')}"):
        AuthSettings()


@pytest.mark.parametrize("name", ["AUTH_PUBLIC_URL", "AUTH_CHAT_PUBLIC_URL"])
def test_production_refuses_plain_http_public_urls(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    for variable, value in (production_environment() | {name: "http://chat.example"}).items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match="https://"):
        AuthSettings()


def test_development_keeps_its_short_placeholders_and_plain_http() -> None:
    settings = AuthSettings(app_env=AppEnv.DEVELOPMENT, service_secret="a")
    assert settings.public_url.startswith("http://")
